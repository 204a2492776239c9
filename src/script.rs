//! Conversation tests (being written).
