//! Understanding what callers say: text normalisation, the intent matcher, and the parsers that
//! turn an answer into a typed value.
//!
//! Nothing here knows about HTTP, SQL or Twilio's wire format; all of it is pure and tested
//! with tables of examples.

pub(crate) mod calendar;
pub mod embedding;
pub mod eval;
pub mod extract;
pub mod fields;
pub mod lang;
pub mod matcher;
pub mod numbers;
pub mod semantic;
pub mod text;
