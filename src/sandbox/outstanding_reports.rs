//! The delivery reports a sandbox has still to POST, counted per message: a
//! ticket is taken before a message's reports are scheduled and given back
//! when the last of them is out (or given up on, or the sandbox stops), so
//! whoever stops the sandbox can first wait until nothing is left to report.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Notify;

/// How many messages still have reports to POST.
#[derive(Default)]
pub struct OutstandingReports {
    count: AtomicUsize,
    settled: Notify,
}

/// One message's reports, outstanding until dropped.
pub struct Ticket(Arc<OutstandingReports>);

impl OutstandingReports {
    /// Counts one more message with reports to POST.
    pub fn ticket(self: &Arc<Self>) -> Ticket {
        self.count.fetch_add(1, Ordering::SeqCst);
        Ticket(self.clone())
    }

    /// Messages whose reports are not all out yet.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Resolves once no message has reports left to POST.
    pub async fn settled(&self) {
        loop {
            let notified = self.settled.notified();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.settled.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn settles_once_the_last_ticket_is_given_back() {
        let outstanding = Arc::new(OutstandingReports::default());
        let (first, second) = (outstanding.ticket(), outstanding.ticket());
        let waiting = tokio::spawn({
            let outstanding = outstanding.clone();
            async move { outstanding.settled().await }
        });
        drop(first);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "one message still reports");
        assert_eq!(outstanding.count(), 1);
        drop(second);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("settled")
            .unwrap();
        assert_eq!(outstanding.count(), 0);
    }

    #[tokio::test]
    async fn nothing_outstanding_is_settled_at_once() {
        let outstanding = Arc::new(OutstandingReports::default());
        tokio::time::timeout(Duration::from_millis(100), outstanding.settled())
            .await
            .expect("settled at once");
    }
}
