//! Each of Sinch v1's other endings the sandbox simulates, through the real
//! path: `wacast apply` (the binary) sends to the sandbox, the sandbox reports
//! to `wacast listen` (in this process) as Sinch would, and the journal holds
//! the recipient's final state. States and spellings are Sinch's (sinch/docs,
//! `docs/whatsapp/whatsapp-http-rest/whatsapp-callback.md`; a failure inside
//! the 201 as `docs/whatsapp/whatsapp-http-rest/whatsapp-message.md` and the
//! v1 reference describe it).

use crate::apply::{Peer, apply, campaign};
use std::time::{Duration, Instant};
use wacast::journal::{Backend, State, StateLocation};
use wacast::phone::Phone;
use wacast::sandbox::{Delivery, Fates, Faults, SandboxConfig};

/// The one recipient's number (`07400 100000`).
fn recipient() -> Phone {
    Phone::from_digits("447400100000").unwrap()
}

/// What the journal ends with for the recipient.
#[derive(Debug, PartialEq)]
enum End {
    /// A delivery state word reported.
    Reported(&'static str),
    /// Failed in the send answer.
    Refused,
    /// Read, then opted out by a `STOP` reply.
    OptedOut,
}

fn reached(journal: &dyn Backend, end: &End) -> bool {
    let delivery = journal.delivery_of(recipient()).unwrap();
    match end {
        End::Reported(state) => delivery.is_some_and(|d| d.delivery_state == *state),
        End::Refused => journal.counts().unwrap().failed == 1,
        End::OptedOut => journal.opted_out(recipient()).unwrap(),
    }
}

#[test]
fn each_sinch_ending_reaches_the_journal_through_apply_and_listen() {
    let cases = [
        (
            Fates {
                failed: 1.0,
                ..Fates::default()
            },
            End::Reported("failed"),
        ),
        (
            Fates {
                deleted: 1.0,
                ..Fates::default()
            },
            End::Reported("deleted"),
        ),
        (
            Fates {
                no_opt_in: 1.0,
                ..Fates::default()
            },
            End::Reported("no_opt_in"),
        ),
        (
            Fates {
                no_capability: 1.0,
                ..Fates::default()
            },
            End::Reported("no_capability"),
        ),
        (
            Fates {
                refused: 1.0,
                ..Fates::default()
            },
            End::Refused,
        ),
        (
            Fates {
                stop_reply: 1.0,
                ..Fates::default()
            },
            End::OptedOut,
        ),
    ];
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (fates, end) in cases {
        let test = campaign(1, true, "rate_per_second: 100");
        let listener = runtime.block_on(crate::listen::listen(test.path(), None));
        let yaml = test.read("campaign.yaml").replace(
            "delivery: {",
            &format!(
                "delivery: {{callback_url: \"{}\", ",
                listener.callback_url()
            ),
        );
        std::fs::write(test.path().join("campaign.yaml"), yaml).unwrap();
        let peer = Peer::start_with(SandboxConfig {
            faults: Faults {
                fates,
                seed: Some(7),
                ..Faults::default()
            },
            delivery: Delivery {
                callback_url: Some(listener.callback_url()),
                step_delay: Duration::from_millis(10),
                ..Delivery::default()
            },
            ..SandboxConfig::default()
        });
        let run = apply(&test, &peer, &[]);
        assert!(run.code == 0 || end == End::Refused, "{}", run.transcript());
        let journal = wacast::journal::open(
            &StateLocation::Folder(test.path().join(".wacast")),
            "spring",
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !reached(&*journal, &end) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(reached(&*journal, &end), "{end:?} never reached");
        if end == End::Refused {
            assert_eq!(journal.counts().unwrap().sent, 0);
            let mut errors = Vec::new();
            journal
                .report_rows(&mut |row| {
                    errors.push((row.state, row.error));
                    Ok(())
                })
                .unwrap();
            assert_eq!(
                errors,
                [(
                    State::Failed,
                    Some(
                        "the provider did not send it: no_capability: recipient lacks WhatsApp capability"
                            .to_owned()
                    )
                )]
            );
        }
        drop(peer);
        runtime.block_on(listener.shutdown());
    }
}
