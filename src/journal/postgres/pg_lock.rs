//! One apply per campaign at a time: a session-level advisory lock taken with
//! `pg_try_advisory_lock` on the apply's own connection. The server drops it
//! when that session ends, however it ends (`kill -9`, a lost network, a dead
//! runner), so a stale lock never needs cleaning up.
//!
//! The key is the first 8 bytes of SHA-256 over `apply`, the schema and the
//! campaign name, read as a signed 64-bit integer. Two campaigns share a key with a
//! chance of about n²/2⁶⁵ for n campaigns in one database (one in 10¹¹ for a
//! thousand); a collision only makes their applies wait for each other, and
//! the refusal names the campaign holding the row, so it shows. Keys of other
//! software in the same database could collide the same way.
//!
//! Who holds the lock is kept in the `locks` table (host, pid, since), written
//! once the lock is taken and read when another apply is refused. A row whose
//! lock is free is stale and is simply overwritten.

use super::pg_journal::{SharedClient, lock_client};
use super::pg_schema::NOW;
use super::{Context as _, JournalError, Result};
use sha2::{Digest as _, Sha256};

/// Who takes the lock, for the message a second apply gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockHolder {
    pub host: String,
    pub pid: u32,
}

impl LockHolder {
    /// This process on this machine.
    pub fn this_process() -> LockHolder {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|host| host.trim().to_owned())
            .filter(|host| !host.is_empty())
            .unwrap_or_else(|| "unknown host".to_owned());
        LockHolder {
            host,
            pid: std::process::id(),
        }
    }
}

/// The apply lock of one campaign, held by the journal's own connection
/// (the one apply writes through) until this is dropped or that session ends.
pub struct PgLock {
    client: SharedClient,
    key: i64,
    campaign: String,
}

impl PgLock {
    /// Takes the lock on `shared`'s session, or says who holds it.
    pub fn acquire(
        shared: &SharedClient,
        schema: &str,
        campaign: &str,
        holder: &LockHolder,
    ) -> Result<PgLock> {
        let mut session = lock_client(shared);
        let client = &mut session.client;
        let key = advisory_key(&["apply", schema, campaign]);
        let taken: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .context("cannot take the apply lock")?
            .get(0);
        if !taken {
            return Err(JournalError::Locked {
                campaign: campaign.to_owned(),
                holder: describe_holder(client, campaign)?,
            });
        }
        let recorded = client
            .execute(
                &format!(
                    "INSERT INTO locks (campaign, host, pid, since) VALUES ($1, $2, $3, {NOW})
                     ON CONFLICT (campaign) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                         since = excluded.since"
                ),
                &[&campaign, &holder.host, &i64::from(holder.pid)],
            )
            .context("cannot record the apply lock");
        if let Err(error) = recorded {
            let _ = client.query_one("SELECT pg_advisory_unlock($1)", &[&key]);
            return Err(error);
        }
        Ok(PgLock {
            client: shared.clone(),
            key,
            campaign: campaign.to_owned(),
        })
    }
}

impl Drop for PgLock {
    /// Gives the lock back; when the connection is gone, so is the lock.
    fn drop(&mut self) {
        super::off_runtime(|| {
            let mut session = lock_client(&self.client);
            let client = &mut session.client;
            let _ = client.execute("DELETE FROM locks WHERE campaign = $1", &[&self.campaign]);
            let _ = client.query_one("SELECT pg_advisory_unlock($1)", &[&self.key]);
        });
    }
}

/// ` (host h, pid p, since t)`, or nothing when the row is missing.
fn describe_holder(client: &mut postgres::Client, campaign: &str) -> Result<String> {
    let row = client
        .query_opt(
            "SELECT host, pid, since FROM locks WHERE campaign = $1",
            &[&campaign],
        )
        .context("cannot read who holds the apply lock")?;
    Ok(row.map_or_else(String::new, |row| {
        format!(
            " (host `{}`, pid {}, since {})",
            row.get::<_, String>(0),
            row.get::<_, i64>(1),
            row.get::<_, String>(2)
        )
    }))
}

/// A bigint advisory-lock key for `parts` (joined with NUL).
pub(crate) fn advisory_key(parts: &[&str]) -> i64 {
    let mut hasher = Sha256::new();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            hasher.update([0]);
        }
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}
