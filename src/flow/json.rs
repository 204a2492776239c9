//! A cursor over a parsed JSON document that remembers where it is.
//!
//! Flow files are parsed into `serde_json::Value` first and then walked by hand, rather than
//! deserialised straight into structs, because the errors are the interface: a flow author needs
//! "`actions[2].collect.questions[0].type`: unknown field type", not serde's "data did not match
//! any variant". Every node carries its JSON path so an error can name the place. Paths are plain
//! strings: this runs once at load time, so clarity wins over saving allocations.

use serde_json::{Map, Value};

/// A value in a flow file together with its JSON path (`actions[0].collect`).
#[derive(Clone)]
pub(crate) struct Node<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> Node<'a> {
    /// The root of a document.
    pub(crate) fn root(value: &'a Value) -> Node<'a> {
        Node {
            value,
            path: String::new(),
        }
    }

    /// The underlying JSON value.
    pub(crate) fn value(&self) -> &'a Value {
        self.value
    }

    /// The path of this node as text; `(top level)` for the root.
    pub(crate) fn path(&self) -> String {
        if self.path.is_empty() {
            "(top level)".to_owned()
        } else {
            self.path.clone()
        }
    }

    /// The path of a key below this node, whether or not it exists (for "missing key" errors).
    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The child under `key`, if this is an object that has it (JSON `null` counts as absent).
    pub(crate) fn get(&self, key: &str) -> Option<Node<'a>> {
        let value = self.value.as_object()?.get(key)?;
        if value.is_null() {
            return None;
        }
        Some(Node {
            value,
            path: self.path_of(key),
        })
    }

    /// The elements of this array, each with its index in the path.
    pub(crate) fn items(&self) -> Vec<Node<'a>> {
        match self.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, value)| Node {
                    value,
                    path: format!("{}[{i}]", self.path),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The entries of this object, each with its key in the path.
    pub(crate) fn entries(&self) -> Vec<(&'a str, Node<'a>)> {
        match self.value {
            Value::Object(map) => map
                .iter()
                .map(|(key, value)| {
                    (
                        key.as_str(),
                        Node {
                            value,
                            path: self.path_of(key),
                        },
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The object behind this node, if it is one.
    pub(crate) fn as_object(&self) -> Option<&'a Map<String, Value>> {
        self.value.as_object()
    }

    /// The string behind this node, if it is one.
    pub(crate) fn as_str(&self) -> Option<&'a str> {
        self.value.as_str()
    }

    /// A short name for the JSON type of this node, for messages ("a number").
    pub(crate) fn kind(&self) -> &'static str {
        kind_of(self.value)
    }
}

/// A short name for a JSON value's type, for messages ("a number").
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
