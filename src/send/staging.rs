//! Where staging the plan into the journal stands while apply sends: the
//! dispatcher reads pending recipients as they are published, and waits for
//! the next chunk instead of ending when it runs out before staging does.

use tokio::sync::watch;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Staging {
    /// Publishing: this many recipients so far.
    Publishing(u64),
    /// Every recipient of the plan is published.
    Done,
    /// Staging stopped on this error; what was published stays.
    Failed(String),
}

/// What the dispatcher does when a page of pending recipients comes back
/// empty.
pub enum Exhausted {
    /// Read again: more were published since the page was asked for.
    ReadAgain,
    /// Nothing more will come.
    Done,
    /// Staging failed.
    Failed(String),
}

/// The dispatcher's view of staging; `None` when the plan was staged whole
/// before sending began.
#[derive(Clone, Debug, Default)]
pub struct StagingWatch(Option<watch::Receiver<Staging>>);

impl StagingWatch {
    pub fn new(receiver: watch::Receiver<Staging>) -> StagingWatch {
        StagingWatch(Some(receiver))
    }

    /// Call just before asking for a page: what is published from now on
    /// counts as new.
    pub fn mark(&mut self) {
        if let Some(receiver) = &mut self.0 {
            receiver.borrow_and_update();
        }
    }

    /// After an empty page asked for since the last [`StagingWatch::mark`]:
    /// waits until more is published, staging ends or fails.
    pub async fn exhausted(&mut self) -> Exhausted {
        let Some(receiver) = &mut self.0 else {
            return Exhausted::Done;
        };
        // Anything published since the page was asked for is read first,
        // even when staging has ended since.
        if receiver.has_changed().unwrap_or(false) {
            return Exhausted::ReadAgain;
        }
        match &*receiver.borrow() {
            Staging::Done => return Exhausted::Done,
            Staging::Failed(error) => return Exhausted::Failed(error.clone()),
            Staging::Publishing(_) => {}
        }
        match receiver.changed().await {
            Ok(()) => Exhausted::ReadAgain,
            // The stager ended without a word; what it published was read.
            Err(_) => Exhausted::Done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(exhausted: Exhausted) -> String {
        match exhausted {
            Exhausted::ReadAgain => "read again".into(),
            Exhausted::Done => "done".into(),
            Exhausted::Failed(error) => format!("failed: {error}"),
        }
    }

    #[tokio::test]
    async fn what_was_published_after_the_page_was_asked_for_is_read_even_once_staging_ended() {
        let (published, watched) = watch::channel(Staging::Publishing(0));
        let mut staging = StagingWatch::new(watched);
        staging.mark();
        published.send_replace(Staging::Publishing(256));
        published.send_replace(Staging::Done);
        assert_eq!(said(staging.exhausted().await), "read again");
        staging.mark();
        assert_eq!(said(staging.exhausted().await), "done");
    }

    #[tokio::test]
    async fn an_empty_page_waits_for_the_next_chunk_or_the_failure() {
        let (published, watched) = watch::channel(Staging::Publishing(256));
        let mut staging = StagingWatch::new(watched);
        staging.mark();
        let later = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            published.send_replace(Staging::Publishing(1_280));
            published
        });
        assert_eq!(said(staging.exhausted().await), "read again");
        let published = later.await.unwrap();
        staging.mark();
        published.send_replace(Staging::Failed("the disk is full".into()));
        staging.mark();
        assert_eq!(said(staging.exhausted().await), "failed: the disk is full");
        assert_eq!(
            said(StagingWatch::default().exhausted().await),
            "done",
            "a plan staged whole before sending has nothing more to come"
        );
    }
}
