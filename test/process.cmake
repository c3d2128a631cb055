# SPDX-License-Identifier: GPL-2.0-or-later
# The child-process runner (platform/process_runner), dropping privileges and holding
# signals while the daemon starts: real processes, real signals, a few seconds in all. Its
# own executable, so that its SIGPIPE/signal-mask experiments and the children it starts
# stay away from the other unit tests.
add_executable(process_tests
  unit/main.cpp
  unit/platform/process_runner_test.cpp
  unit/platform/privileges_test.cpp
  unit/platform/held_signals_test.cpp)
target_link_libraries(process_tests PRIVATE hb_platform Catch2::Catch2)
catch_discover_tests(process_tests PROPERTIES LABELS unit TIMEOUT 30)
