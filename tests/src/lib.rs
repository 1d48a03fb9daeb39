//! End-to-end tests live in `tests/`; the `token-worker` binary is the process they spawn.
