//! The rate budget in Redis (feature `redis`): two Lua scripts over three keys.
//!
//! - `{prefix}:state`: the windows, the next paced slot and the block, as JSON; all times in
//!   milliseconds of the Redis server's clock (`TIME`), the one clock every process shares.
//! - `{prefix}:inflight`: a sorted set of permits in flight, scored by their expiry (a process
//!   that dies frees its places after [`RedisRateBudget::in_flight_ttl`]).
//! - `{prefix}:members`: the processes seen sharing, scored by when they were last seen (what
//!   the local fallback divides by).
//!
//! Behind a server that sends no rate-limit headers, the state also keeps the adaptive rate
//! (`aimd`) and the requests sent lately (`sent`), which the first rate-limit header drops.
//!
//! The rules are the local limiter's (`limit/mod.rs`), step for step.

use std::time::Duration;

use async_trait::async_trait;

use super::{Feed, SharedBudget, Take, TakeArgs};
use crate::error::{Error, Result};
use crate::limit::{
    AIMD_DECREASE, AIMD_INCREASE, AIMD_MIN_RATE, AIMD_PROBE_GROWTH, MAX_HEADER_WAIT,
};
use crate::redis_link::RedisLink;

/// The Lua both scripts share: events counted in whole seconds (this one's and the last one's),
/// as `RateCounter` in limit/mod.rs.
macro_rules! roll_lua {
    () => {
        r#"
local function roll(s, at)
  local el = at - s.start
  if el >= 2000 then
    s.last = 0
    s.now = 0
    s.start = at
  elseif el >= 1000 then
    s.last = s.now
    s.now = 0
    s.start = s.start + 1000
  end
end
"#
    };
}

/// KEYS: state, inflight, members. ARGV: enabled, burst_fraction, initial limit, initial
/// length (ms), member, permit, in-flight TTL (ms). Returns {code, ms, members}: code 0 go,
/// 1 pace, 2 blocked.
const TAKE: &str = concat!(
    roll_lua!(),
    r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local raw = redis.call('GET', KEYS[1])
local st
if raw then
  st = cjson.decode(raw)
else
  st = {learned = 0, next = 0, blocked = 0, windows = {}}
  local il, ilen = tonumber(ARGV[3]), tonumber(ARGV[4])
  if il > 0 and ilen > 0 then
    st.windows[1] = {limit = il, remaining = il, reset = now + ilen, reset_unix = 0, length = ilen, seen = now}
  end
end
local function save()
  redis.call('SET', KEYS[1], cjson.encode(st), 'PX', 7200000)
end
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 60000)
redis.call('PEXPIRE', KEYS[3], 7200000)
local members = redis.call('ZCARD', KEYS[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local inflight = redis.call('ZCARD', KEYS[2])
if st.blocked > now then
  return {2, st.blocked - now, members}
end
if ARGV[1] == '1' then
  local changed = false
  for _, w in ipairs(st.windows) do
    if now >= w.reset then
      if w.length > 0 then
        while w.reset <= now do
          w.reset = w.reset + w.length
          w.reset_unix = w.reset_unix + math.floor(w.length / 1000)
        end
      else
        -- Renewed to its limit at its reset whatever its length: until an answer tells the
        -- next reset, over at least as long as it was seen (reset_unix stays: that answer
        -- is news, and teaches the length).
        local at_least = math.max(w.reset - (w.seen or now), 1000)
        while w.reset <= now do
          w.reset = w.reset + at_least
        end
      end
      w.remaining = w.limit
      changed = true
    end
  end
  local interval = 0
  local burst = tonumber(ARGV[2])
  for _, w in ipairs(st.windows) do
    local left = w.remaining - inflight
    if left <= 0 then
      if changed then save() end
      return {1, math.max(1, w.reset - now), members}
    end
    if left <= w.limit * burst then
      interval = math.max(interval, (w.reset - now) / left)
    end
  end
  if st.aimd then
    interval = math.max(interval, 1000 / st.aimd.rate)
  end
  if now < st.next then
    if changed then save() end
    return {1, st.next - now, members}
  end
  st.next = now + math.floor(interval)
end
if st.headers ~= 1 then
  -- Sent lately, to know the rate that ran into a header-less server's first 429.
  st.sent = st.sent or {start = now, now = 0, last = 0}
  roll(st.sent, now)
  st.sent.now = st.sent.now + 1
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[7]), ARGV[6])
redis.call('PEXPIRE', KEYS[2], 7200000)
save()
return {0, 0, members}
"#
);

/// KEYS: state, inflight. ARGV: has snapshot, limit, remaining, reset (Unix s), status,
/// Retry-After (ms, -1 when none), margin (ms), permit, longest header wait (ms), adaptive,
/// in-flight TTL (ms), the adaptive rate's decrease, increase and least rate.
const FEED: &str = concat!(
    roll_lua!(),
    r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- When the permit was taken (its score is that plus the in-flight TTL), if it has not expired.
local score = redis.call('ZSCORE', KEYS[2], ARGV[8])
local issued = nil
if score then issued = tonumber(score) - tonumber(ARGV[11]) end
redis.call('ZREM', KEYS[2], ARGV[8])
local raw = redis.call('GET', KEYS[1])
local st
if raw then
  st = cjson.decode(raw)
else
  st = {learned = 0, next = 0, blocked = 0, windows = {}}
end
if st.learned == 0 then
  st.learned = 1
  st.windows = {}
  st.next = now
end
local margin, maxw = tonumber(ARGV[7]), tonumber(ARGV[9])
local function at(reset_unix)
  local ahead = reset_unix * 1000 - now
  if ahead < 0 then ahead = 0 end
  if ahead > maxw then ahead = maxw end
  return now + ahead + margin
end
local status = tonumber(ARGV[5])
local has = ARGV[1] == '1'
local limit, rem, ru = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if has then
  if status == 429 then rem = 0 end
  local found = nil
  for _, w in ipairs(st.windows) do
    if w.limit == limit then found = w end
  end
  if found then
    if ru > found.reset_unix then
      if found.reset_unix > 0 then
        local len = (ru - found.reset_unix) * 1000
        if found.length == 0 or len < found.length then found.length = len end
      end
      found.reset_unix = ru
      found.reset = at(ru)
      found.remaining = rem
    elseif ru == found.reset_unix and rem < found.remaining then
      found.remaining = rem
    end
  else
    table.insert(st.windows, {limit = limit, remaining = rem, reset = at(ru), reset_unix = ru, length = 0, seen = now})
  end
  if status ~= 429 then
    for _, w in ipairs(st.windows) do
      if w.limit ~= limit and w.remaining > 0 then
        w.remaining = w.remaining - 1
      end
    end
  end
end
local ra = tonumber(ARGV[6])
if has then
  st.headers = 1
  st.aimd = nil
  st.sent = nil
end
-- The adaptive rate, as the local limiter's: cut on a 429 to a request sent after the last
-- cut, raised with time while answers succeed (by a share of itself until the first cut).
local dec, inc, minr = tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local grow = tonumber(ARGV[15])
local learn = ARGV[10] == '1' and st.headers ~= 1 and ra < 0
if learn and status == 429 then
  if st.aimd then
    if issued and issued > st.aimd.cut then
      st.aimd.rate = math.max(st.aimd.rate * dec, minr)
      st.aimd.cut = now
      st.aimd.changed = now
      st.aimd.probing = false
    end
  else
    local recent = 1
    if st.sent then
      roll(st.sent, now)
      local part = math.max((now - st.sent.start) / 1000, 1)
      recent = math.max(st.sent.last, st.sent.now / part, 1)
    end
    st.aimd = {rate = math.max(recent * dec, minr), cut = now, changed = now, probing = true}
  end
elseif learn and status < 400 and st.aimd then
  local secs = (now - st.aimd.changed) / 1000
  local step = inc * secs
  if st.aimd.probing then step = st.aimd.rate * grow * secs end
  st.aimd.rate = math.min(st.aimd.rate + step, 10000)
  st.aimd.changed = now
end
local block = nil
if (status == 429 or status == 503) and ra >= 0 then
  block = now + math.min(ra, maxw)
elseif status == 429 then
  if has then
    block = at(ru)
  elseif learn and st.aimd then
    -- Learning the rate: wait one interval of it, not a fixed second.
    block = now + math.floor(1000 / st.aimd.rate)
  else
    block = now + 1000
  end
end
if block and block > st.blocked then st.blocked = block end
redis.call('SET', KEYS[1], cjson.encode(st), 'PX', 7200000)
return 1
"#
);

/// A rate budget shared in Redis by every process (on any machine) that uses the same key
/// prefix. The client derives the prefix from the API host and the credentials' budget (see
/// `ClientBuilder::shared_rate_budget_url`), so processes of one app share one budget.
pub struct RedisRateBudget {
    link: RedisLink,
    prefix: String,
    member: String,
    in_flight_ttl: Duration,
}

impl std::fmt::Debug for RedisRateBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: show only where the keys live.
        f.debug_struct("RedisRateBudget")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl RedisRateBudget {
    /// A budget at `url` (`redis://`, `rediss://`) under `prefix`. Connects on first use.
    pub fn new(url: &str, prefix: &str) -> Result<Self> {
        if prefix.is_empty() || prefix.contains(char::is_whitespace) {
            return Err(Error::config(
                "the redis key prefix must be non-empty, without spaces",
            ));
        }
        Ok(RedisRateBudget {
            link: RedisLink::open(url, "redis rate budget", Duration::from_secs(2))?,
            prefix: prefix.to_owned(),
            member: format!("{:016x}", rand::random::<u64>()),
            in_flight_ttl: Duration::from_secs(30),
        })
    }

    /// The key prefix of a budget: the API host and the credentials' budget key (never a
    /// token: static tokens are digested), cleaned of spaces.
    pub fn key_prefix(budget: &str) -> String {
        format!(
            "procore:budget:{}",
            budget.replace(|c: char| c.is_whitespace(), "_")
        )
    }

    /// How long a permit counts as in flight without an answer (default 30 s): what a process
    /// that dies mid-request holds.
    pub fn in_flight_ttl(mut self, ttl: Duration) -> Self {
        self.in_flight_ttl = ttl.max(Duration::from_millis(100));
        self
    }

    /// The prefix of this budget's keys.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }
}

#[async_trait]
impl SharedBudget for RedisRateBudget {
    async fn take(&self, args: &TakeArgs) -> Result<Take> {
        let (limit, len) = args
            .initial_window
            .filter(|(l, d)| *l > 0 && !d.is_zero())
            .map(|(l, d)| (l, ms(d)))
            .unwrap_or((0, 0));
        let script = redis::Script::new(TAKE);
        let (code, wait, sharing): (u8, u64, u64) = self
            .link
            .run("take", |mut c| {
                let mut call = script.prepare_invoke();
                call.key(self.key("state"))
                    .key(self.key("inflight"))
                    .key(self.key("members"))
                    .arg(if args.enabled { "1" } else { "0" })
                    .arg(args.burst_fraction)
                    .arg(limit)
                    .arg(len)
                    .arg(&self.member)
                    .arg(args.permit)
                    .arg(ms(self.in_flight_ttl));
                async move { call.invoke_async(&mut c).await }
            })
            .await?;
        let wait = Duration::from_millis(wait);
        Ok(match code {
            0 => Take::Go { sharing },
            2 => Take::Blocked(wait),
            _ => Take::Pace(wait),
        })
    }

    async fn feed(&self, feed: &Feed) -> Result<()> {
        let (has, limit, remaining, reset) = match &feed.snapshot {
            Some(s) => ("1", s.limit, s.remaining, s.reset_unix()),
            None => ("0", 0, 0, 0),
        };
        let retry_after = feed
            .retry_after
            .map(|d| i64::try_from(ms(d)).unwrap_or(i64::MAX))
            .unwrap_or(-1);
        let script = redis::Script::new(FEED);
        let _: i64 = self
            .link
            .run("feed", |mut c| {
                let mut call = script.prepare_invoke();
                call.key(self.key("state"))
                    .key(self.key("inflight"))
                    .arg(has)
                    .arg(limit)
                    .arg(remaining)
                    .arg(reset)
                    .arg(feed.status)
                    .arg(retry_after)
                    .arg(ms(feed.reset_margin))
                    .arg(feed.permit)
                    .arg(ms(MAX_HEADER_WAIT))
                    .arg(if feed.adaptive { "1" } else { "0" })
                    .arg(ms(self.in_flight_ttl))
                    .arg(AIMD_DECREASE)
                    .arg(AIMD_INCREASE)
                    .arg(AIMD_MIN_RATE)
                    .arg(AIMD_PROBE_GROWTH);
                async move { call.invoke_async(&mut c).await }
            })
            .await?;
        Ok(())
    }

    async fn release(&self, permit: u64) -> Result<()> {
        let _: i64 = self
            .link
            .run("release", |mut c| {
                let mut cmd = redis::cmd("ZREM");
                cmd.arg(self.key("inflight")).arg(permit);
                async move { cmd.query_async(&mut c).await }
            })
            .await?;
        Ok(())
    }
}
