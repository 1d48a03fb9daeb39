//! `NativeWebhookReceiver`: the core's `procore::webhooks::Receiver` (destination headers
//! checked in constant time, the payload read, repeats recognised in memory or in Redis).

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::IntoJs;
use crate::options;

/// Judges webhook deliveries (native layer of `WebhookReceiver`).
#[napi]
pub struct NativeWebhookReceiver {
    inner: Arc<procore::webhooks::Receiver>,
}

#[napi]
impl NativeWebhookReceiver {
    /// A receiver from its options (JSON text: `headers`, `remember`, `redisUrl`, ...).
    #[napi(factory)]
    pub fn create(options_json: Option<String>) -> Result<Self> {
        let o = options::receiver(options_json.as_deref()).js()?;
        Ok(NativeWebhookReceiver {
            inner: Arc::new(procore::webhooks::Receiver::from_options(o).js()?),
        })
    }

    /// Judges one delivery: `headers` as JSON pairs `[[name, value], ...]`, the raw body;
    /// answers the delivery's JSON (`verdict`, `status`, `key`, `event`).
    #[napi]
    pub async fn receive(&self, headers_json: String, body: Buffer) -> Result<String> {
        let pairs: Vec<(String, String)> = serde_json::from_str(&headers_json).map_err(|_| {
            crate::errors::config_error("headers must be a list of [name, value] pairs")
        })?;
        let body = body.to_vec();
        let it = pairs.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
        let d = self.inner.receive(it, &body).await.js()?;
        Ok(d.to_json().to_string())
    }
}
