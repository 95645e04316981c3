//! Checking audience rows on every core while keeping file order: one thread
//! reads the CSV in chunks, worker threads check each chunk, and the calling
//! thread takes the results back in order. Channels are bounded, so memory
//! holds a few chunks, never the audience.

use crate::audience::Audience;
use crate::diagnostic::Diagnostic;
use crate::message::TemplateMessage;
use crate::pipeline::row_check::{CheckedRow, RowCheck};
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

/// Rows handed to a worker at once.
const CHUNK: usize = 512;

/// A numbered chunk of rows as read from the CSV.
type Chunk = (u64, Vec<Result<crate::audience::Row, Diagnostic>>);

/// One row's result: checked, or unreadable as CSV.
#[derive(Debug)]
pub enum Checked<M = TemplateMessage> {
    Row(CheckedRow<M>),
    Unreadable(Diagnostic),
}

/// Checks every row of `audience` with `check`, calling `take` once per row in
/// file order. Each recipient's message goes through `keep` on the thread
/// that rendered it: a caller that needs only digests drops it there,
/// where freeing it is cheapest, instead of on the calling thread that
/// takes every row in turn.
pub fn check_rows<M: Send>(
    audience: &mut Audience,
    check: &RowCheck<'_>,
    keep: fn(TemplateMessage) -> M,
    mut take: impl FnMut(Checked<M>),
) {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let (chunks_out, chunks_in) = sync_channel::<Chunk>(workers * 2);
    let (done_out, done_in) = sync_channel::<(u64, Vec<Checked<M>>)>(workers * 2);
    let chunks_in = Arc::new(Mutex::new(chunks_in));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let chunks_in = chunks_in.clone();
            let done_out = done_out.clone();
            scope.spawn(move || work(&chunks_in, &done_out, check, keep));
        }
        drop(done_out);
        scope.spawn(move || {
            let mut sequence = 0;
            loop {
                let mut chunk = Vec::with_capacity(CHUNK);
                while chunk.len() < CHUNK {
                    match audience.next_row() {
                        Some(row) => chunk.push(row),
                        None => break,
                    }
                }
                let last = chunk.len() < CHUNK;
                if !chunk.is_empty() && chunks_out.send((sequence, chunk)).is_err() {
                    return;
                }
                sequence += 1;
                if last {
                    return;
                }
            }
        });
        in_order(&done_in, &mut take);
    });
}

fn work<M>(
    chunks_in: &Mutex<Receiver<Chunk>>,
    done_out: &std::sync::mpsc::SyncSender<(u64, Vec<Checked<M>>)>,
    check: &RowCheck<'_>,
    keep: fn(TemplateMessage) -> M,
) {
    loop {
        let next = chunks_in.lock().map(|receiver| receiver.recv());
        let Ok(Ok((sequence, rows))) = next else {
            return;
        };
        let checked = rows
            .into_iter()
            .map(|row| match row {
                Ok(row) => Checked::Row(check.check(row).keeping(keep)),
                Err(diagnostic) => Checked::Unreadable(diagnostic),
            })
            .collect();
        if done_out.send((sequence, checked)).is_err() {
            return;
        }
    }
}

/// Hands results to `take` in sequence order, holding early chunks back.
fn in_order<M>(done_in: &Receiver<(u64, Vec<Checked<M>>)>, take: &mut impl FnMut(Checked<M>)) {
    let mut waiting: BTreeMap<u64, Vec<Checked<M>>> = BTreeMap::new();
    let mut next = 0;
    for (sequence, checked) in done_in {
        waiting.insert(sequence, checked);
        while let Some(ready) = waiting.remove(&next) {
            ready.into_iter().for_each(&mut *take);
            next += 1;
        }
    }
}
