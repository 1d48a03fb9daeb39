//! `procore-simulator`: run the simulator as a process, for tests in any language.
//!
//! Prints exactly one line on stdout, `procore-simulator listening on http://HOST:PORT`, once
//! the socket accepts connections, then serves until SIGTERM / SIGINT (or stdin closes with
//! `--exit-on-stdin-eof`, so a crashed parent never leaves it running). Logs go to stderr.

use std::io::{Read as _, Write as _};
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use procore_simulator::{Simulator, SimulatorConfig};

/// A stateful local Procore API (OAuth, rate limits, pagination, faults).
#[derive(Parser, Debug)]
#[command(name = "procore-simulator", version, about)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// OAuth client id.
    #[arg(long, default_value = "sim-client-id")]
    client_id: String,
    /// OAuth client secret.
    #[arg(long, default_value = "sim-client-secret")]
    client_secret: String,
    /// Never-expiring bearer token for the user.
    #[arg(long, default_value = "sim-dev-token")]
    dev_token: String,
    /// Disable the dev token.
    #[arg(long)]
    no_dev_token: bool,
    /// Access-token lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5400)]
    access_token_ttl: u64,
    /// Requests per hourly window.
    #[arg(long, value_name = "N", default_value_t = 3600)]
    hourly_limit: u32,
    /// Hourly window length in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    hourly_window: u64,
    /// Requests per spike window.
    #[arg(long, value_name = "N", default_value_t = 25)]
    spike_limit: u32,
    /// Spike window length in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    spike_window: u64,
    /// Disable rate limiting (no 429s, no X-Rate-Limit-* headers).
    #[arg(long)]
    no_rate_limit: bool,
    /// Send Retry-After with 429s.
    #[arg(long)]
    retry_after_on_429: bool,
    /// Keep the old access token valid after a refresh.
    #[arg(long)]
    no_revoke_access_on_refresh: bool,
    /// Deliver every webhook event twice (as Procore occasionally does).
    #[arg(long)]
    webhook_duplicates: bool,
    /// Latency added to every /rest/ and /oauth/ request, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// Number of projects in Big Build Co (31337).
    #[arg(long, value_name = "N", default_value_t = 2500)]
    big_company_projects: u32,
    /// Stop when stdin reaches end of file.
    #[arg(long)]
    exit_on_stdin_eof: bool,
}

impl Args {
    fn config(&self) -> SimulatorConfig {
        SimulatorConfig {
            host: self.host,
            port: self.port,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            dev_token: (!self.no_dev_token).then(|| self.dev_token.clone()),
            access_token_ttl: Duration::from_secs(self.access_token_ttl),
            rate_limits_enabled: !self.no_rate_limit,
            hourly_limit: self.hourly_limit,
            hourly_window: Duration::from_secs(self.hourly_window),
            spike_limit: self.spike_limit,
            spike_window: Duration::from_secs(self.spike_window),
            retry_after_on_429: self.retry_after_on_429,
            revoke_access_on_refresh: !self.no_revoke_access_on_refresh,
            webhook_duplicates: self.webhook_duplicates,
            latency: Duration::from_millis(self.latency_ms),
            big_company_projects: self.big_company_projects,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("procore-simulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    // Register the signal handlers before announcing the address: a parent may send SIGTERM
    // as soon as it has read the line, and the default action would kill us uncleanly.
    let stop = match Stop::install(args.exit_on_stdin_eof) {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("procore-simulator: cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sim = match Simulator::start(args.config()).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("procore-simulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "procore-simulator listening on {}", sim.base_url())
            .and_then(|()| out.flush())
            .is_err()
        {
            eprintln!("procore-simulator: cannot write to stdout");
        }
    }
    stop.wait().await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// The ways the process is told to stop, registered up front.
struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    stdin_eof: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl Stop {
    fn install(exit_on_stdin_eof: bool) -> std::io::Result<Stop> {
        let stdin_eof = if exit_on_stdin_eof {
            // A plain thread: a blocking read must not hold up the runtime's shutdown.
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            std::thread::Builder::new()
                .name("stdin-eof".into())
                .spawn(move || {
                    let mut stdin = std::io::stdin().lock();
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = stdin.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                    }
                    let _ = tx.send(());
                })?;
            Some(rx)
        } else {
            None
        };
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Stop {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
                stdin_eof,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Stop { stdin_eof })
        }
    }

    /// Resolves on SIGINT, SIGTERM, or (when asked for) end of stdin.
    async fn wait(self) {
        let Stop {
            #[cfg(unix)]
            mut term,
            #[cfg(unix)]
            mut int,
            stdin_eof,
        } = self;
        let eof = async {
            match stdin_eof {
                Some(rx) => {
                    let _ = rx.await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(unix)]
        tokio::select! {
            _ = eof => {}
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::select! {
            _ = eof => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
}
