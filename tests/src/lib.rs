//! End-to-end tests live in `tests/`; the `token-worker` binary is the process they spawn.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `processes` workers (`worker calls BASE STORE PER`) at once, waits for all, and
/// panics unless each made its `per` calls without a failure. Blocking: call it from
/// `spawn_blocking` in async tests.
pub fn run_call_workers(worker: &str, base: &str, store: &str, processes: usize, per: usize) {
    let children: Vec<_> = (0..processes)
        .map(|_| {
            Command::new(worker)
                .args(["calls", base, store, &per.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the worker starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("the worker ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "worker failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.trim(), format!("ok={per} failed=0"));
    }
}

/// Starts `processes` workers calling GET /me for `ms` milliseconds (`worker loop`, 4 tasks
/// each) and, beside them, one worker that forces `rotations` refreshes 100 ms apart
/// (`worker rotate`). Panics unless every call of every worker succeeded and the rotator
/// finished; returns the number of calls made. Blocking.
pub fn run_loops_with_rotations(
    worker: &str,
    base: &str,
    store: &str,
    processes: usize,
    ms: u64,
    rotations: u64,
) -> u64 {
    let spawn = |args: &[&str]| {
        Command::new(worker)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the worker starts")
    };
    let ms_text = ms.to_string();
    let loops: Vec<_> = (0..processes)
        .map(|_| spawn(&["loop", base, store, "4", &ms_text]))
        .collect();
    let rotator = spawn(&["rotate", base, store, &rotations.to_string(), "100"]);
    let out = rotator.wait_with_output().expect("the rotator ends");
    assert!(
        out.status.success(),
        "rotator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut calls = 0;
    for child in loops {
        let out = child.wait_with_output().expect("the worker ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "worker failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ok: u64 = stdout
            .trim()
            .strip_prefix("ok=")
            .and_then(|r| r.strip_suffix(" failed=0"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected worker output {stdout:?}"));
        calls += ok;
    }
    calls
}

/// What two fixed rate windows (aligned to multiples of their lengths in Unix time, as
/// Procore's and the simulator's are) allow over `[t0, t1]` (Unix seconds): per hourly window,
/// the smaller of its limit and the spike windows it overlaps times the spike limit.
pub fn allowed_requests(t0: f64, t1: f64, hourly: (f64, f64), spike: (f64, f64)) -> f64 {
    let ((h_limit, h_len), (s_limit, s_len)) = (hourly, spike);
    let mut allowed = 0.0;
    let mut h = (t0 / h_len).floor();
    while h * h_len < t1 {
        let (a, b) = (t0.max(h * h_len), t1.min((h + 1.0) * h_len));
        if a < b {
            let spikes = (b / s_len).ceil() - (a / s_len).floor();
            allowed += h_limit.min(spikes * s_limit);
        }
        h += 1.0;
    }
    allowed
}

/// A `redis-server` on a free loopback port (started here, killed on drop).
pub struct Redis {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
}

impl Redis {
    /// On `port`, keeping nothing on disk.
    pub fn start_on(port: u16) -> Redis {
        Redis::start_with(port, None)
    }

    /// With `dir`: an append-only file fsynced at every write, so a restart keeps the data.
    pub fn start_with(port: u16, dir: Option<&std::path::Path>) -> Redis {
        let port_text = port.to_string();
        let mut args = vec!["--port", &port_text, "--bind", "127.0.0.1", "--save", ""];
        let dir_text = dir.map(|d| d.to_string_lossy().into_owned());
        match &dir_text {
            Some(d) => args.extend(["--appendonly", "yes", "--appendfsync", "always", "--dir", d]),
            None => args.extend(["--appendonly", "no"]),
        }
        let child = Command::new("redis-server")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install -y redis-server)");
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis {
            child: Some(child),
            port,
        }
    }

    /// On a free port, keeping nothing on disk.
    pub fn start() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        Redis::start_on(port)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
