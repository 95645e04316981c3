//! Callbacks from the Conversation API into `wacast listen`.
