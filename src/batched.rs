//! Items handed from one thread to another in batches of 1,024, so the
//! channel's cost is paid once a batch rather than once an item: the
//! results report's rows from the journal's reading to their writing, and a
//! diff's plans from their sorted readings to the merge. The channel holds
//! four batches, so a fast sender waits for its receiver.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Items a batch holds.
const BATCH: usize = 1024;

/// The two ends of a channel of batches.
pub fn channel<T>() -> (BatchSender<T>, BatchReceiver<T>) {
    let (sender, receiver) = sync_channel(4);
    (
        BatchSender {
            sender,
            batch: Vec::with_capacity(BATCH),
        },
        BatchReceiver {
            receiver,
            batch: Vec::new().into_iter(),
        },
    )
}

pub struct BatchSender<T> {
    sender: SyncSender<anyhow::Result<Vec<T>>>,
    batch: Vec<T>,
}

impl<T> BatchSender<T> {
    /// Adds `item`, sending the batch once it is full; false once the
    /// receiver is gone.
    pub fn push(&mut self, item: T) -> bool {
        self.batch.push(item);
        if self.batch.len() < BATCH {
            return true;
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.sender.send(Ok(full)).is_ok()
    }

    /// Sends what is left: the receiver's items end after it.
    pub fn finish(self) {
        if !self.batch.is_empty() {
            let _ = self.sender.send(Ok(self.batch));
        }
    }

    /// Hands `error` to the receiver in place of what is left.
    pub fn fail(self, error: anyhow::Error) {
        let _ = self.sender.send(Err(error));
    }
}

pub struct BatchReceiver<T> {
    receiver: Receiver<anyhow::Result<Vec<T>>>,
    batch: std::vec::IntoIter<T>,
}

impl<T> BatchReceiver<T> {
    /// The next item; `None` once the sender finished or is gone, the
    /// sender's error if it failed.
    pub fn receive(&mut self) -> anyhow::Result<Option<T>> {
        loop {
            if let Some(item) = self.batch.next() {
                return Ok(Some(item));
            }
            match self.receiver.recv() {
                Ok(batch) => self.batch = batch?.into_iter(),
                Err(_) => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_arrives_in_order_then_the_error_of_a_failed_sender() {
        let (mut sender, mut receiver) = channel();
        let sending = std::thread::spawn(move || {
            for n in 0..3_000 {
                assert!(sender.push(n));
            }
            sender.fail(anyhow::anyhow!("the reading failed"));
        });
        let mut received = Vec::new();
        let error = loop {
            match receiver.receive() {
                Ok(Some(n)) => received.push(n),
                Ok(None) => panic!("the failure is told"),
                Err(error) => break error,
            }
        };
        sending.join().unwrap();
        assert_eq!(received, (0..3_000 - 3_000 % BATCH).collect::<Vec<_>>());
        assert_eq!(error.to_string(), "the reading failed");
    }

    #[test]
    fn a_finished_sender_hands_over_what_is_left_and_a_gone_receiver_is_told() {
        let (mut sender, mut receiver) = channel();
        for n in 0..10 {
            assert!(sender.push(n));
        }
        sender.finish();
        let mut received = Vec::new();
        while let Some(n) = receiver.receive().unwrap() {
            received.push(n);
        }
        assert_eq!(received, (0..10).collect::<Vec<_>>());
        let (mut sender, receiver) = channel();
        drop(receiver);
        let pushed: Vec<bool> = (0..BATCH).map(|n| sender.push(n)).collect();
        assert!(pushed[..BATCH - 1].iter().all(|&p| p));
        assert!(!pushed[BATCH - 1], "the full batch has nowhere to go");
    }
}
