//! The campaign's recipients read in one query, for a plan's classes and
//! apply's staging.
//!
//! The server packs each recipient into a fixed 17-byte entry (the number
//! as `int8send` writes it, big-endian; the state's index in
//! [`State::ALL`]; the first 8 bytes of the digest sent, all ones when none
//! was) and concatenates the entries with `string_agg` into one value. A
//! million recipients then cross the connection as one message instead of
//! a million rows, each decoded field by field: the client's part of the
//! read went from about 0.8 s to a few milliseconds, and the `COUNT(*)`
//! scan that sized the table up front is no longer needed.
//!
//! One value holds at most 1 GB (about 63 million recipients). Splitting
//! the entries into a few rows by the number's low bits (`GROUP BY phone &
//! 63`) was tried: the planner cannot know that expression has 64 values,
//! estimated a million groups and sorted the whole campaign on disk first
//! (0.48 s against 0.26 s at a million). So a campaign beyond that limit,
//! which the server refuses with `program_limit_exceeded` or
//! `out_of_memory`, is read again row by row.

use super::{Context as _, JournalError, Result};
use crate::journal::{KnownRecipients, State};
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator as _;

/// The bytes of one entry: number, state, digest prefix.
const ENTRY: usize = 8 + 1 + 8;

/// The state's index byte for a state this build does not know: read as
/// pending, as a plan treats it.
const UNKNOWN_STATE: u8 = 0xff;

/// Every recipient `campaign` has in the journal.
pub fn known(client: &mut postgres::Client, campaign: &str) -> Result<KnownRecipients> {
    match client.query_one(&packed_query(), &[&campaign]) {
        Ok(row) => {
            let packed: Option<&[u8]> = row.try_get(0).context("cannot read the journal")?;
            unpack(packed.unwrap_or_default())
        }
        Err(error) if beyond_one_value(&error) => by_rows(client, campaign),
        Err(error) => Err(error).context("cannot read the journal"),
    }
}

/// Whether the server refused to build a value that large.
fn beyond_one_value(error: &postgres::Error) -> bool {
    error.code().is_some_and(|code| {
        *code == SqlState::PROGRAM_LIMIT_EXCEEDED || *code == SqlState::OUT_OF_MEMORY
    })
}

/// The query, its `CASE` naming every state this build knows by its index.
fn packed_query() -> String {
    let states: String = State::ALL
        .iter()
        .enumerate()
        .map(|(index, state)| format!(" WHEN '{}' THEN '\\x{index:02x}'::bytea", state.as_str()))
        .collect();
    format!(
        "SELECT string_agg(
             int8send(phone)
             || CASE state{states} ELSE '\\x{UNKNOWN_STATE:02x}'::bytea END
             || CASE WHEN octet_length(sent_digest) >= 8 THEN substr(sent_digest, 1, 8)
                     ELSE '\\xffffffffffffffff'::bytea END,
             ''::bytea)
         FROM recipients WHERE campaign = $1"
    )
}

/// Every recipient of `campaign`, a row each: for a campaign too large to
/// pack into one value.
pub fn by_rows(client: &mut postgres::Client, campaign: &str) -> Result<KnownRecipients> {
    let params: [&(dyn postgres::types::ToSql + Sync); 1] = [&campaign];
    let count: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM recipients WHERE campaign = $1",
            &params,
        )
        .context("cannot read the journal")?
        .get(0);
    let mut known = KnownRecipients::with_capacity(count as usize);
    let mut rows = client
        .query_raw(
            "SELECT phone, state, sent_digest FROM recipients WHERE campaign = $1",
            params,
        )
        .context("cannot read the journal")?;
    while let Some(row) = rows.next().context("cannot read the journal")? {
        // A state this build does not know is planned as pending.
        let state = State::parse(row.get(1)).unwrap_or(State::Pending);
        known.insert(row.get::<_, i64>(0) as u64, state, row.get(2));
    }
    Ok(known)
}

/// The recipients the packed value holds.
fn unpack(packed: &[u8]) -> Result<KnownRecipients> {
    if !packed.len().is_multiple_of(ENTRY) {
        return Err(JournalError::Malformed(format!(
            "recipients' entries that are not whole ({} bytes)",
            packed.len()
        )));
    }
    let mut known = KnownRecipients::with_capacity(packed.len() / ENTRY);
    for entry in packed.chunks_exact(ENTRY) {
        let phone = u64::from_be_bytes(entry[..8].try_into().expect("8 bytes"));
        let state = State::ALL
            .get(usize::from(entry[8]))
            .copied()
            .unwrap_or(State::Pending);
        let sent = &entry[9..];
        let sent = (sent != [0xff; 8]).then_some(sent);
        known.insert(phone, state, sent);
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::RecipientFacts;
    use crate::message::digest::MessageDigest;
    use crate::phone::Phone;

    fn entry(phone: u64, state: u8, sent: Option<&[u8]>) -> Vec<u8> {
        let mut entry = phone.to_be_bytes().to_vec();
        entry.push(state);
        entry.extend_from_slice(sent.map_or(&[0xff; 8][..], |digest| &digest[..8]));
        entry
    }

    #[test]
    fn packed_entries_read_back_as_the_rows_they_were_made_of() {
        let sent = MessageDigest::of_bytes(b"sent");
        let other = MessageDigest::of_bytes(b"other");
        let packed = [
            entry(447_400_000_001, 2, Some(&sent.0)),
            entry(447_400_000_002, 0, None),
            entry(447_400_000_003, UNKNOWN_STATE, None),
        ]
        .concat();
        let known = unpack(&packed).unwrap();
        // A campaign with no recipients packs to nothing (the aggregate is NULL).
        assert!(unpack(&[]).unwrap().is_empty());
        assert_eq!(known.len(), 3);
        let phone = |n: u64| Phone::from_digits(&n.to_string()).unwrap();
        assert_eq!(
            known.facts(phone(447_400_000_001), &sent),
            Some(RecipientFacts {
                state: State::Sent,
                same_message: true
            })
        );
        assert_eq!(
            known
                .facts(phone(447_400_000_001), &other)
                .map(|f| f.same_message),
            Some(false)
        );
        assert_eq!(known.state(phone(447_400_000_002)), Some(State::Pending));
        // A state this build does not know is planned as pending.
        assert_eq!(known.state(phone(447_400_000_003)), Some(State::Pending));
    }

    #[test]
    fn a_part_that_is_not_whole_entries_is_an_error_not_a_guess() {
        let mut part = entry(447_400_000_001, 2, None);
        part.pop();
        let error = unpack(&part).err().expect("refused");
        assert!(error.to_string().contains("not whole"), "{error}");
    }

    #[test]
    fn the_query_names_every_state_by_its_index() {
        let query = packed_query();
        for (index, state) in State::ALL.iter().enumerate() {
            assert!(query.contains(&format!("WHEN '{}' THEN '\\x{index:02x}'", state.as_str())));
        }
    }
}
