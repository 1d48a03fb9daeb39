//! `procore login`: the authorization-code grant with PKCE and a loopback redirect on
//! 127.0.0.1 (an ephemeral port), the way installed apps should log in.

use std::time::Duration;

use clap::Args;
use procore::auth::AppCredentials;
use procore::OAuthClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::EnvArgs;

#[derive(Args)]
pub struct LoginArgs {
    #[command(flatten)]
    env: EnvArgs,
    /// How long to wait for the browser to come back (seconds).
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

pub async fn run(args: LoginArgs) -> Result<(), String> {
    let (id, secret) = args.env.app()?;
    let env = args.env.environment().map_err(|e| e.to_string())?;
    let oauth =
        OAuthClient::new(&env, AppCredentials::new(id, secret)).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let request = oauth
        .authorize_url(&redirect_uri, true)
        .map_err(|e| e.to_string())?;
    println!("Open this URL in your browser to log in:\n{}", request.url);
    use std::io::Write;
    let _ = std::io::stdout().flush();

    let (code, state) = tokio::time::timeout(
        Duration::from_secs(args.timeout),
        wait_for_redirect(&listener),
    )
    .await
    .map_err(|_| "timed out waiting for the browser".to_string())??;
    let tokens = oauth
        .exchange_code(&request, &code, &state)
        .await
        .map_err(|e| format!("{} ({})", e, e.code()))?;
    let store = args.env.store()?;
    store.save(&tokens).await.map_err(|e| e.to_string())?;
    println!("Logged in. Tokens saved to {}", args.env.store_name());
    Ok(())
}

/// Accepts connections until one brings `?code=..&state=..` (or an OAuth error).
async fn wait_for_redirect(listener: &TcpListener) -> Result<(String, String), String> {
    loop {
        let (mut sock, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        // Read the request head (the request line is all we need).
        while len < buf.len() {
            let n = sock
                .read(&mut buf[len..])
                .await
                .map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/");
        let url =
            url::Url::parse(&format!("http://127.0.0.1{target}")).map_err(|e| e.to_string())?;
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        let (status, body, result) = match (q.get("code"), q.get("state"), q.get("error")) {
            (Some(c), Some(s), _) => (
                "200 OK",
                "Logged in to Procore. You can close this tab.",
                Some(Ok((c.clone(), s.clone()))),
            ),
            (_, _, Some(err)) => (
                "400 Bad Request",
                "Login refused.",
                Some(Err(format!("the authorization server answered {err}"))),
            ),
            _ => (
                "404 Not Found",
                "Waiting for the Procore login redirect.",
                None,
            ),
        };
        let resp = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = sock.write_all(resp.as_bytes()).await;
        let _ = sock.shutdown().await;
        if let Some(r) = result {
            return r;
        }
    }
}
