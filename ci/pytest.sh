#!/usr/bin/env bash
# Runs the test suite with the given interpreter. pytest's exit code 5 ("no tests collected") is turned
# into a failure: this project always has tests, so collecting none means collection itself broke.
set -u
python=${1:?usage: ci/pytest.sh PYTHON [pytest args...]}
shift
"$python" -m pytest -n auto "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "ci/pytest.sh: pytest collected no tests; treating that as a failure" >&2
  exit 1
fi
exit "$rc"
