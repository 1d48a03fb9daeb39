//! `procore`: the SDK's command line, and the API explorer Procore does not have.
//!
//! - `procore demo`: the SDK's main job against the embedded simulator (no credentials).
//! - `procore get|post|put|patch|delete PATH`: one request (or `--all` pages as NDJSON).
//! - `procore ops search WORDS` / `procore ops show ID`: the catalog of every operation.
//! - `procore call ID --path k=v --query k=v --data ...`: an operation, checked before it
//!   leaves.
//! - `procore login` / `procore token info` / `procore logout`: authorization-code login with
//!   a loopback redirect and PKCE; tokens kept in a file store in the user's config dir.
//! - `procore webhooks listen|relay`: a local receiver, and the DMZ relay.
//! - `procore upload FILE`: a direct upload (v2.1 unified, or the v1.1 flows).
//! - `procore sync PATH --data ...`: any number of updates in batches of at most 1000.
//! - `procore explore`: a local web page to browse and try every operation.
//! - `procore completions SHELL`: shell completions.

mod calls;
mod demo;
mod explore;
mod fail;
mod login;
mod ops;
mod output;
mod webhooks;
mod workflows;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use fail::Failure;
use procore::{Client, Environment, FileTokenStore};

#[derive(Parser)]
#[command(
    name = "procore",
    version,
    about = "The Procore API from the command line",
    after_help = fail::EXIT_HELP
)]
struct Cli {
    /// Log level for the SDK's own events (error, warn, info, debug, trace). Tokens are never logged.
    #[arg(long, global = true, env = "PROCORE_LOG")]
    log: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the SDK's main job against the local simulator and check every step.
    #[command(after_help = "Example:\n  procore demo")]
    Demo,
    /// GET a path and print the JSON answer (--all: every page, one item per line).
    #[command(
        after_help = "Examples:\n  procore get me\n  procore get projects --company 8089 --all\n  procore get /rest/v1.0/projects/5/rfis -q 'filters[status]=open' --output table"
    )]
    Get(calls::PathArgs),
    /// POST a JSON body to a path.
    #[command(
        after_help = "Example:\n  procore post projects/5/rfis --company 8089 --data @rfi.json"
    )]
    Post(calls::PathArgs),
    /// PUT a JSON body to a path.
    #[command(
        after_help = "Example:\n  procore put projects/5/rfis/9 --company 8089 --data '{\"rfi\":{\"subject\":\"New\"}}'"
    )]
    Put(calls::PathArgs),
    /// PATCH a path with a JSON body.
    #[command(
        after_help = "Example:\n  echo '{\"rfi\":{\"subject\":\"New\"}}' | procore patch projects/5/rfis/9 --company 8089 --data -"
    )]
    Patch(calls::PathArgs),
    /// DELETE a path.
    #[command(after_help = "Example:\n  procore delete projects/5/rfis/9 --company 8089")]
    Delete(calls::PathArgs),
    /// Call an operation of the catalog by id; it is checked first, and nothing is sent if a
    /// path parameter, a required query parameter or a required body field is missing.
    #[command(
        after_help = "Example:\n  procore call RestV10ProjectsProjectIdRfisPost --path project_id=5 --company 8089 \\\n    --data '{\"rfi\":{\"subject\":\"S\",\"question\":{\"body\":\"Q\"},\"rfi_manager_id\":7}}'"
    )]
    Call(calls::OperationArgs),
    /// The catalog of every operation of the API.
    Ops {
        #[command(subcommand)]
        command: ops::OpsCommand,
    },
    /// Upload a file directly to Procore's storage (v2.1 segments in parallel, or v1.1) and
    /// print the upload's id, to attach it to a document, an RFI or a submittal.
    #[command(
        after_help = "Examples:\n  procore upload plans.pdf --company 8089 --project 5\n  procore upload photo.jpg --company 8089 --flow v1.1\n  cat scan.tif | procore upload - --name scan.tif --company 8089"
    )]
    Upload(workflows::UploadArgs),
    /// Send any number of updates to a `.../sync` endpoint, in batches of at most 1000, and
    /// print the merged entities and the refused items with their input position.
    #[command(
        after_help = "Examples:\n  procore sync vendors/sync --company 8089 --body '{\"company_id\":8089}' --data @vendors.json\n  procore get vendors --company 8089 --all | jq -c '{id, is_active: false}' | procore sync vendors/sync --company 8089 --data -"
    )]
    Sync(workflows::SyncArgs),
    /// A local web page to browse every operation and try it through the SDK (loopback only;
    /// the printed URL holds this run's token).
    #[command(
        after_help = "Examples:\n  procore explore --simulator          # no credentials: an embedded simulator\n  procore explore --env sandbox --company 8089 --port 8765"
    )]
    Explore(explore::ExploreArgs),
    /// Receive webhook deliveries locally, or relay them from a DMZ.
    Webhooks {
        #[command(subcommand)]
        command: webhooks::WebhooksCommand,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Example:\n  procore completions bash > ~/.local/share/bash-completion/completions/procore"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Log in with the authorization-code grant (loopback redirect, PKCE).
    #[command(
        after_help = "Example:\n  procore login --env sandbox --client-id ID --client-secret SECRET"
    )]
    Login(login::LoginArgs),
    /// Token commands.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Revoke the stored tokens at Procore, then delete them.
    Logout(EnvArgs),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Show what Procore says about the current access token.
    Info(EnvArgs),
}

/// Where to connect and which app to use.
#[derive(Args, Clone, Debug)]
pub struct EnvArgs {
    /// production, sandbox, monthly_sandbox or federal.
    #[arg(long = "env", env = "PROCORE_ENV", default_value = "production")]
    pub environment: String,
    /// A custom API base URL (overrides --env).
    #[arg(long, env = "PROCORE_API_BASE")]
    pub api_base: Option<String>,
    /// A custom login base URL (defaults to --api-base).
    #[arg(long, env = "PROCORE_LOGIN_BASE")]
    pub login_base: Option<String>,
    /// The OAuth app's client id.
    #[arg(long, env = "PROCORE_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The OAuth app's client secret.
    #[arg(long, env = "PROCORE_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// The token file (default: the user's config dir).
    #[arg(long, env = "PROCORE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// Keep the tokens in Redis instead of a file (`redis://...` or `rediss://...`), shared by
    /// every process and machine using the same app and environment.
    #[arg(long, env = "PROCORE_TOKEN_STORE", hide_env_values = true)]
    pub token_store: Option<String>,
    /// Share the rate budget in Redis (`redis://...` or `rediss://...`) with every process and
    /// machine of the same app on the same API host.
    #[arg(long, env = "PROCORE_RATE_BUDGET", hide_env_values = true)]
    pub rate_budget: Option<String>,
}

impl EnvArgs {
    pub fn environment(&self) -> procore::Result<Environment> {
        match &self.api_base {
            Some(api) => Environment::custom(api, self.login_base.as_deref().unwrap_or(api)),
            None => Environment::from_name(&self.environment),
        }
    }

    pub fn app(&self) -> Result<(String, String), String> {
        match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            _ => Err("set --client-id and --client-secret (or PROCORE_CLIENT_ID / PROCORE_CLIENT_SECRET)".into()),
        }
    }

    /// The token file: `--token-file`, or `<config dir>/procore/tokens-<environment>.json`.
    pub fn token_file(&self) -> PathBuf {
        if let Some(p) = &self.token_file {
            return p.clone();
        }
        let name = match &self.api_base {
            Some(api) => {
                let safe: String = api
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                format!("tokens-custom-{safe}.json")
            }
            None => format!("tokens-{}.json", self.environment.to_ascii_lowercase()),
        };
        dirs::config_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("procore")
            .join(name)
    }

    /// Where the tokens are kept: Redis with `--token-store`, else the token file.
    pub fn store(&self) -> Result<Arc<dyn procore::TokenStore>, String> {
        match &self.token_store {
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
                let client_id = self.client_id.as_deref().unwrap_or("");
                let env = self.api_base.as_deref().unwrap_or(&self.environment);
                let prefix = procore::store::RedisTokenStore::key_prefix(env, client_id, "cli");
                let store = procore::store::RedisTokenStore::new(url, &prefix)
                    .map_err(|e| e.to_string())?;
                Ok(Arc::new(store))
            }
            Some(_) => Err(
                "--token-store takes a redis:// or rediss:// URL (use --token-file for a file)"
                    .into(),
            ),
            None => Ok(Arc::new(FileTokenStore::new(self.token_file()))),
        }
    }

    /// Where the tokens are, for messages (never a URL: it may hold a password).
    pub fn store_name(&self) -> String {
        match &self.token_store {
            Some(_) => "the Redis token store".into(),
            None => self.token_file().display().to_string(),
        }
    }

    /// A client from `PROCORE_ACCESS_TOKEN`, or else from the stored login.
    pub fn client(&self, company: Option<u64>, version: Option<&str>) -> Result<Client, String> {
        let mut b = Client::builder()
            .environment(self.environment().map_err(|e| e.to_string())?)
            .user_agent("procore-cli");
        if let Some(c) = company {
            b = b.company_id(c);
        }
        if let Some(v) = version {
            b = b.api_version(v);
        }
        if let Some(url) = &self.rate_budget {
            b = b.shared_rate_budget_url(url.clone());
        }
        b = match std::env::var("PROCORE_ACCESS_TOKEN") {
            Ok(t) if !t.is_empty() => b.access_token(t),
            _ => {
                let (id, secret) = self
                    .app()
                    .map_err(|e| format!("no PROCORE_ACCESS_TOKEN and no stored login: {e}"))?;
                b.stored_tokens(id, secret).token_store(self.store()?)
            }
        };
        b.build().map_err(|e| e.to_string())
    }
}

async fn token_info(env: EnvArgs) -> Result<(), String> {
    let client = env.client(None, None)?;
    let info = client
        .token_info()
        .await
        .map_err(|e| format!("{} ({})", e, e.code()))?;
    if let Some(t) = client.tokens().current_tokens() {
        if let Some(exp) = t.expires_at {
            let left = exp
                .duration_since(std::time::SystemTime::now())
                .unwrap_or_default();
            eprintln!(
                "access token version {} expires in {} s",
                t.version,
                left.as_secs()
            );
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&info).map_err(|e| e.to_string())?
    );
    Ok(())
}

async fn logout(env: EnvArgs) -> Result<(), String> {
    let (id, secret) = env.app()?;
    let client = Client::builder()
        .environment(env.environment().map_err(|e| e.to_string())?)
        .stored_tokens(id, secret)
        .token_store(env.store()?)
        .build()
        .map_err(|e| e.to_string())?;
    client
        .revoke()
        .await
        .map_err(|e| format!("{} ({})", e, e.code()))?;
    println!(
        "logged out: tokens revoked and {} cleared",
        env.store_name()
    );
    Ok(())
}

fn init_logging(level: Option<&str>) {
    let filter = match level {
        Some(l) => format!("procore={l}"),
        None => "procore=warn".into(),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log.as_deref());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("procore: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: Result<(), Failure> = rt.block_on(async move {
        let text = |r: Result<(), String>| r.map_err(Failure::other);
        match cli.command {
            Command::Demo => text(demo::run().await),
            Command::Get(args) => calls::verb("GET", args).await,
            Command::Post(args) => calls::verb("POST", args).await,
            Command::Put(args) => calls::verb("PUT", args).await,
            Command::Patch(args) => calls::verb("PATCH", args).await,
            Command::Delete(args) => calls::verb("DELETE", args).await,
            Command::Call(args) => calls::operation(args).await,
            Command::Ops { command } => ops::run(command),
            Command::Webhooks { command } => webhooks::run(command).await,
            Command::Upload(args) => workflows::upload(args).await,
            Command::Explore(args) => explore::run(args).await,
            Command::Sync(args) => workflows::sync(args).await,
            Command::Completions { shell } => {
                let mut cmd = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut cmd, "procore", &mut std::io::stdout());
                Ok(())
            }
            Command::Login(args) => text(login::run(args).await),
            Command::Token {
                command: TokenCommand::Info(env),
            } => text(token_info(env).await),
            Command::Logout(env) => text(logout(env).await),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}
