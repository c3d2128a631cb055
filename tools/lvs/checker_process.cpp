// SPDX-License-Identifier: GPL-2.0-or-later
// The health checker process (`ipvsadm-wrapper RULES checker`), started by `start` in a session of
// its own and stopped by `stop`. One io_context, one thread: the CheckerCore says which
// probes are due, each probe is a TCP connection (and for HTTP_GET a request and an answer)
// bounded by one timer for its whole timeout; outcomes go back to the core, and a server that
// changes state is logged in one line and applied to the data plane by nft or ipvsadm,
// started asynchronously and one at a time. The state file is rewritten after every change
// and at least every second, so `show` and `status` can tell a checker that froze; a
// watchdog alarm ends one whose loop stops turning.
#include <linux/capability.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>

#include "base/log.hpp"
#include "base/value_parsers.hpp"
#include "lvs/checker.hpp"
#include "lvs/http_probe.hpp"
#include "lvs/ipvs_commands.hpp"
#include "lvs/nft_ruleset.hpp"
#include "platform/privileges.hpp"
#include "platform/process_runner.hpp"
#include "platform/wall_clock.hpp"
#include "tools/lvs/agent.hpp"

namespace hb::lvs_agent {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

lvs::ProbeOutcome outcome_of(const boost::system::error_code& ec)
{
    namespace err = asio::error;
    if (ec == err::connection_refused) {
        return {lvs::ProbeResult::refused, 0, {}};
    }
    if (ec == err::host_unreachable || ec == err::network_unreachable || ec == err::network_down) {
        return {lvs::ProbeResult::unreachable, 0, ec.message()};
    }
    if (ec == err::eof || ec == err::connection_reset) {
        return {lvs::ProbeResult::bad_answer, 0, ec == err::eof ? "closed" : "reset"};
    }
    return {lvs::ProbeResult::failed, 0, ec.message()};
}

// One probe: connect (and for HTTP_GET, ask and read), all within the check's timeout.
class Probe : public std::enable_shared_from_this<Probe> {
public:
    using Done = std::function<void(const lvs::ProbeOutcome&)>;

    Probe(asio::io_context& io, const lvs::ProbeRequest& request, Done done)
        : socket_(io),
          timer_(io),
          request_(request),
          done_(std::move(done))
    {}

    void start()
    {
        auto self = shared_from_this();
        timer_.expires_after(request_.check->timeout);
        timer_.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) {
                self->finish({lvs::ProbeResult::timed_out, 0, {}});
            }
        });
        const tcp::endpoint to(asio::ip::address_v4(request_.target.address), request_.target.port);
        socket_.async_connect(
            to, [self](const boost::system::error_code& ec) { self->on_connect(ec); });
    }

private:
    void on_connect(const boost::system::error_code& ec)
    {
        if (finished_) {
            return;
        }
        if (ec) {
            finish(outcome_of(ec));
            return;
        }
        if (request_.check->kind == lvs::CheckKind::tcp) {
            finish({lvs::ProbeResult::passed, 0, {}});
            return;
        }
        reader_.emplace(*request_.check);
        request_text_ = lvs::http_request(*request_.check, request_.target);
        auto self = shared_from_this();
        asio::async_write(socket_, asio::buffer(request_text_),
                          [self](const boost::system::error_code& wec, std::size_t) {
                              if (self->finished_) {
                                  return;
                              }
                              if (wec) {
                                  self->finish(outcome_of(wec));
                                  return;
                              }
                              self->do_read();
                          });
    }

    void do_read()
    {
        auto self = shared_from_this();
        socket_.async_read_some(asio::buffer(buffer_), [self](const boost::system::error_code& ec,
                                                              std::size_t n) {
            if (self->finished_) {
                return;
            }
            if (n > 0) {
                if (auto verdict = self->reader_->feed(std::string_view(self->buffer_.data(), n))) {
                    self->finish(*verdict);
                    return;
                }
            }
            if (ec == asio::error::eof) {
                self->finish(self->reader_->end_of_stream());
                return;
            }
            if (ec) {
                self->finish(outcome_of(ec));
                return;
            }
            self->do_read();
        });
    }

    void finish(const lvs::ProbeOutcome& outcome)
    {
        if (finished_) {
            return;
        }
        finished_ = true;
        timer_.cancel();
        boost::system::error_code ignored;
        socket_.close(ignored);
        done_(outcome);
    }

    tcp::socket socket_;
    asio::steady_timer timer_;
    lvs::ProbeRequest request_;
    Done done_;
    std::optional<lvs::HttpAnswerReader> reader_;
    std::string request_text_;
    std::array<char, 4096> buffer_{};
    bool finished_ = false;
};

class Checker {
public:
    Checker(asio::io_context& io, lvs::LvsConfig config, lvs::RuntimeState state,
            std::string rules_path)
        : io_(io),
          config_(std::move(config)),
          state_(std::move(state)),
          rules_path_(std::move(rules_path)),
          table_(lvs::nft_table_name(rules_path_)),
          dir_(state_dir_for(table_)),
          core_(config_, lvs::Clock::now(), state_.health),
          timer_(io),
          housekeeping_(io),
          lock_retry_(io),
          runner_(io)
    {}

    void start()
    {
        state_.checker_pid = static_cast<int>(::getpid());
        for (const lvs::Service& s : config_.services) {
            for (const lvs::RealServer& r : s.servers) {
                if (const lvs::Check* c = s.check_for(r.endpoint)) {
                    watchdog_ = std::max(
                        watchdog_,
                        3 * std::chrono::duration_cast<std::chrono::seconds>(c->interval) + 10s);
                    HB_LOG(debug) << "checking " << config_.label(r.endpoint) << " with "
                                  << lvs::to_string(c->kind) << " every "
                                  << base::format_ms(c->interval);
                }
            }
        }
        HB_LOG(info) << "health checker for " << rules_path_ << " started (pid "
                     << state_.checker_pid << ", " << lvs::to_string(state_.backend) << ")";
        arm();
        on_housekeeping();
    }

    void stop()
    {
        stopping_ = true;
        timer_.cancel();
        housekeeping_.cancel();
        lock_retry_.cancel();
        runner_.cancel_all();
        write_state();
        apply_lock_.reset();
        HB_LOG(info) << "health checker for " << rules_path_ << " stopped";
    }

private:
    void arm()
    {
        if (stopping_) {
            return;
        }
        const auto next = core_.next_deadline();
        if (!next) {
            return;  // every probe in flight; an outcome re-arms
        }
        timer_.expires_at(*next);
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                on_due();
            }
        });
    }

    void on_due()
    {
        for (const lvs::ProbeRequest& request : core_.due(lvs::Clock::now())) {
            const lvs::ServerRef server = request.server;
            std::make_shared<Probe>(io_, request, [this, server](const lvs::ProbeOutcome& o) {
                on_outcome(server, o);
            })->start();
        }
        arm();
    }

    void on_outcome(const lvs::ServerRef& server, const lvs::ProbeOutcome& outcome)
    {
        if (stopping_) {
            return;
        }
        const auto transition = core_.complete(server, outcome, lvs::Clock::now());
        state_.reasons[server.service][server.server] = core_.last_outcome(server);
        state_.checks[server.service][server.server] = core_.counts(server);
        const lvs::RealServer& r = config_.services[server.service].servers[server.server];
        if (outcome.result == lvs::ProbeResult::passed &&
            r.forwarding == lvs::Forwarding::direct_routing) {
            // A probe that got through has the server's MAC in the neighbour table: keep the
            // data plane's copy current (a replaced NIC, a server that was unresolved).
            const auto before = state_.facts.neighbour;
            if (refresh_neighbours(config_, state_.facts)) {
                for (const auto& [address, mac] : state_.facts.neighbour) {
                    const auto it = before.find(address);
                    if (it == before.end() || it->second != mac) {
                        HB_LOG(info)
                            << "real server " << lvs::format_ipv4(address) << ": MAC " << mac;
                    }
                }
                request_apply();
            }
        }
        if (transition) {
            HB_LOG(info) << lvs::format_transition(config_, *transition);
            report_service(transition->server.service);
            request_apply();
        }
        arm();
    }

    void report_service(std::size_t index)
    {
        const lvs::Service& s = config_.services[index];
        const auto plan = lvs::plan_service(s, core_.health()[index], state_.facts);
        const bool any =
            std::find(plan.usable.begin(), plan.usable.end(), true) != plan.usable.end();
        if (!any) {
            HB_LOG(warn) << "virtual service " << lvs::describe(s.key) << ": no real server left; "
                         << (s.sorry ? "sorry server " + config_.label(s.sorry->endpoint) +
                                           " takes new connections"
                                     : std::string("new connections are dropped"));
        }
    }

    void request_apply()
    {
        apply_wanted_ = true;
        if (!applying_) {
            do_apply();
        }
    }

    void do_apply()
    {
        // The data plane and the state file change together, under the directory's lock: a
        // status that read one before the other would call a running resource stopped. Start
        // and stop hold the lock for their whole run, status for a moment; this loop never
        // blocks on it.
        std::string lock_error;
        apply_lock_ = lock_state_dir(dir_, 0ms, lock_error);
        if (!apply_lock_) {
            apply_wanted_ = true;
            lock_retry_.expires_after(50ms);
            lock_retry_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec && !stopping_ && !applying_ && apply_wanted_) {
                    do_apply();
                }
            });
            return;
        }
        apply_wanted_ = false;
        applying_ = true;
        applying_health_ = core_.health();
        if (state_.backend == lvs::Backend::nftables) {
            const auto plans = lvs::plan_all(config_, applying_health_, state_.facts);
            const auto text = lvs::render_nft_maps(config_, plans, state_.facts, table_);
            std::string error;
            if (!text || !write_file_atomic(dir_.file("update.nft"), text.value(), error)) {
                applied(false, text ? error : text.error().message);
                return;
            }
            run({"nft", {"-f", dir_.file("update.nft")}}, [this](const platform::ProcessResult& r) {
                applied(r.outcome == platform::ProcessOutcome::exited && r.exit_code == 0,
                        first_line(r));
            });
            return;
        }
        run({"ipvsadm", {"-S", "-n"}}, [this](const platform::ProcessResult& r) {
            if (r.outcome != platform::ProcessOutcome::exited || r.exit_code != 0) {
                applied(false, "ipvsadm -S -n: " + first_line(r));
                return;
            }
            auto live = lvs::parse_rules(r.output, "ipvsadm -S -n");
            const lvs::LvsConfig empty;
            pending_commands_.clear();
            for (auto& c : lvs::ipvs_apply(live.config ? *live.config : empty,
                                           lvs::ipvs_desired(config_, applying_health_))) {
                pending_commands_.push_back(std::move(c));
            }
            run_next_ipvs();
        });
    }

    void run_next_ipvs()
    {
        if (pending_commands_.empty()) {
            applied(true, {});
            return;
        }
        lvs::IpvsCommand command = std::move(pending_commands_.front());
        pending_commands_.pop_front();
        const std::string text = lvs::format_command(command);
        run({"ipvsadm", command}, [this, text](const platform::ProcessResult& r) {
            if (r.outcome != platform::ProcessOutcome::exited || r.exit_code != 0) {
                pending_commands_.clear();
                applied(false, text + ": " + first_line(r));
                return;
            }
            HB_LOG(info) << text;
            run_next_ipvs();
        });
    }

    static std::string first_line(const platform::ProcessResult& r)
    {
        const std::string& text = r.errors.empty() ? r.spawn_error : r.errors;
        return text.substr(0, text.find('\n'));
    }

    void applied(bool ok, const std::string& error)
    {
        if (ok && state_.backend == lvs::Backend::nftables && !stopping_) {
            // `status` compares the live table with what was applied last: record it.
            refresh_listing(0, {});
            return;
        }
        finish_apply(ok, error);
    }

    void refresh_listing(std::size_t family, std::string listing)
    {
        static constexpr const char* families[] = {"netdev", "ip"};
        const lvs::NftTables tables = lvs::nft_tables(config_, table_);
        while (family < 2 && !(family == 0 ? tables.netdev : tables.ip)) {
            ++family;
        }
        if (family == 2) {
            std::string error;
            const bool ok = write_file_atomic(dir_.file("listing"), listing, error);
            finish_apply(ok, error);
            return;
        }
        run({"nft", {"list", "table", families[family], table_}},
            [this, family, listing](const platform::ProcessResult& r) mutable {
                if (r.outcome != platform::ProcessOutcome::exited || r.exit_code != 0) {
                    finish_apply(false, "nft list table: " + first_line(r));
                    return;
                }
                listing += lvs::strip_pinned(r.output, lvs::nft_pin_sets(config_));
                refresh_listing(family + 1, std::move(listing));
            });
    }

    void finish_apply(bool ok, const std::string& error)
    {
        applying_ = false;
        if (stopping_) {
            return;
        }
        if (!ok) {
            HB_LOG(err) << "cannot apply the health change to " << lvs::to_string(state_.backend)
                        << ": " << error << " (retrying in 1 s)";
            apply_wanted_ = true;
        } else {
            state_.health = applying_health_;  // the state says what the data plane does
        }
        write_state();
        apply_lock_.reset();
        if (apply_wanted_ && ok) {
            do_apply();
        }
    }

    struct Command {
        std::string program;
        std::vector<std::string> args;
    };

    void run(const Command& command, platform::ProcessRunner::DoneHandler done)
    {
        const auto path = find_program(command.program);
        if (!path) {
            platform::ProcessResult r;
            r.spawn_error = command.program + " not found";
            asio::post(io_, [done, r] { done(r); });
            return;
        }
        platform::ProcessSpec spec;
        spec.path = *path;
        spec.args = command.args;
        spec.env = {"PATH=/usr/sbin:/sbin:/usr/bin:/bin", "LC_ALL=C"};
        spec.timeout = 15s;
        spec.output_cap = 8 * 1024 * 1024;
        spec.log_tag = command.program;
        spec.log_output = false;  // tables and listings: failures are reported from the result
        runner_.run(std::move(spec), std::move(done));
    }

    void write_state()
    {
        state_.updated_ms = platform::wall_clock_ms();
        std::string error;
        if (!write_file_atomic(dir_.file("state"), lvs::format_state(state_), error)) {
            HB_LOG(warn) << "cannot write the state: " << error;
        }
    }

    void on_housekeeping()
    {
        if (stopping_) {
            return;
        }
        // The loop turns: push the watchdog back, tell readers we are alive, and retry an
        // apply that failed.
        ::alarm(static_cast<unsigned>(watchdog_.count()));
        write_state();
        if (apply_wanted_ && !applying_) {
            do_apply();
        }
        housekeeping_.expires_after(1s);
        housekeeping_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                on_housekeeping();
            }
        });
    }

    asio::io_context& io_;
    lvs::LvsConfig config_;
    lvs::RuntimeState state_;
    std::string rules_path_;
    std::string table_;
    StateDir dir_;
    lvs::CheckerCore core_;
    asio::steady_timer timer_;
    asio::steady_timer housekeeping_;
    asio::steady_timer lock_retry_;
    base::UniqueFd apply_lock_;         ///< held from an apply's first command to its state
    lvs::HealthTable applying_health_;  ///< what the apply in flight puts in place
    platform::ProcessRunner runner_;
    std::deque<lvs::IpvsCommand> pending_commands_;
    std::chrono::seconds watchdog_{10};
    bool applying_ = false;
    bool apply_wanted_ = false;
    bool stopping_ = false;
};

void set_up_logging()
{
    base::LineFormat format;
    format.program = "ipvsadm-wrapper";
    utsname u{};
    if (::uname(&u) == 0) {
        format.host = u.nodename;
    }
    std::vector<std::unique_ptr<base::LogSink>> sinks;
    const auto env = [](const char* name) -> std::string {
        const char* v = std::getenv(name);
        return v == nullptr ? std::string() : std::string(v);
    };
    const std::string logfile = env("HA_LOGFILE");
    const std::string debugfile = env("HA_DEBUGLOG");
    const std::string facility = env("HA_LOGFACILITY");
    if (!logfile.empty() && logfile != "/dev/null") {
        sinks.push_back(base::make_file_sink(logfile, format, base::LogLevel::info));
    }
    if (!debugfile.empty() && debugfile != "/dev/null") {
        sinks.push_back(base::make_file_sink(debugfile, format, base::LogLevel::debug3));
    }
    if (facility != "none" && (!facility.empty() || sinks.empty())) {
        sinks.push_back(base::make_syslog_sink(
            "ipvsadm-wrapper", facility.empty() ? "daemon" : facility, base::LogLevel::info));
    }
    base::Logger::instance().set_sinks(std::move(sinks));
    base::Logger::instance().set_debug_level(env("HA_debug").empty() ? 0 : 1);
}

}  // namespace

int run_checker(const std::string& rules_path)
{
    set_up_logging();
    // Probes are plain TCP; only the nft and ipvsadm it runs need CAP_NET_ADMIN, and they
    // get it from here (a root exec takes the bounding set). Nothing else, ever, so a bug
    // in parsing what a real server answers cannot be turned into more.
    if (const auto problem = platform::keep_only_capabilities({CAP_NET_ADMIN})) {
        HB_LOG(warn) << "health checker for " << rules_path << ": cannot drop capabilities ("
                     << *problem << "), running with those it was given";
    }
    const std::string table = lvs::nft_table_name(rules_path);
    const StateDir dir = state_dir_for(table);
    const auto text = read_file(dir.file("rules"));
    const auto state_text = read_file(dir.file("state"));
    auto state = state_text ? lvs::parse_state(*state_text) : std::nullopt;
    if (!text || !state) {
        HB_LOG(err) << "health checker for " << rules_path << ": no started state in " << dir.path;
        return exit_failed;
    }
    auto config = load_rules_text(*text, rules_path);
    if (!config) {
        HB_LOG(err) << "health checker for " << rules_path << ": the applied copy has errors";
        return exit_failed;
    }
    state->health = lvs::all_up(*config);
    state->reasons.assign(config->services.size(), {});
    state->checks.assign(config->services.size(), {});
    for (std::size_t s = 0; s < config->services.size(); ++s) {
        state->reasons[s].assign(config->services[s].servers.size(), "");
        state->checks[s].assign(config->services[s].servers.size(), {});
    }
    asio::io_context io;
    Checker checker(io, std::move(*config), std::move(*state), rules_path);
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            checker.stop();
        }
    });
    ::signal(SIGPIPE, SIG_IGN);
    checker.start();
    io.run();
    return exit_ok;
}

}  // namespace hb::lvs_agent
