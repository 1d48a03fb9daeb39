//! A hostile HTTP peer on loopback for what the simulator cannot do: raw bytes, lying
//! headers, endless bodies, stalls, redirects. Each connection's request head is recorded.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the peer does with one request.
#[derive(Clone)]
pub enum Reply {
    /// Writes these bytes, then closes.
    Raw(Vec<u8>),
    /// Writes this head (ending in a blank line), then body bytes without end, until the
    /// client goes away (bounded at 1 GiB so the peer always stops).
    Endless(String),
    /// Writes this head, then waits `Duration` before closing.
    Stall(String, Duration),
}

/// A JSON response with extra header lines (`"Name: value\r\n"` each).
pub fn json(status: u16, extra_headers: &str, body: &str) -> Reply {
    Reply::Raw(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

pub struct Peer {
    pub base: String,
    /// The request heads received, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// Starts a peer; `reply` gets the request head and the 0-based request number.
pub async fn start(reply: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Peer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let reply = Arc::new(reply);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let n = {
                    let mut s = seen.lock().unwrap();
                    s.push(head.clone());
                    s.len() - 1
                };
                match reply(&head, n) {
                    Reply::Raw(bytes) => {
                        let _ = sock.write_all(&bytes).await;
                        let _ = sock.shutdown().await;
                    }
                    Reply::Endless(h) => {
                        if sock.write_all(h.as_bytes()).await.is_err() {
                            return;
                        }
                        let chunk = vec![b'x'; 64 << 10];
                        for _ in 0..(1 << 14) {
                            if sock.write_all(&chunk).await.is_err() {
                                return;
                            }
                        }
                    }
                    Reply::Stall(h, d) => {
                        let _ = sock.write_all(h.as_bytes()).await;
                        tokio::time::sleep(d).await;
                    }
                }
            });
        }
    });
    Peer { base, requests }
}
