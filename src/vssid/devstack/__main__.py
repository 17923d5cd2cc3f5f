"""`python -m vssid.devstack`: the same as `vssid dev`."""

from vssid.devstack.config import StackConfig
from vssid.devstack.runner import run_dev

if __name__ == "__main__":
    raise SystemExit(run_dev(StackConfig.from_env()))
