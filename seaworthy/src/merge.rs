//! Deep merging of JSON objects, for layering Docker create options.
//!
//! A definition's options come in layers (built-in defaults, then the definition's own, then
//! the caller's); [`deep_merge`] lays one over another the way Python Seaworthy's `deep_merge`
//! does: objects are merged key by key, recursively, and anything else (arrays, strings,
//! numbers, booleans, `null`) is replaced by the later layer, never concatenated.
//!
//! Layers that are meant to *add up* (several `create_options` calls on one definition) are
//! combined with [`merge_layers`] instead, which refuses to let one layer silently replace what
//! another set:

use std::fmt;

use serde_json::{Map, Value};

/// Why two JSON values could not be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// One of the two top-level values is not an object.
    #[error("cannot merge {overlay} into {base}: both must be objects")]
    NotObjects {
        /// What the base is (`an object`, `a string`, …).
        base: JsonKind,
        /// What the overlay is.
        overlay: JsonKind,
    },
    /// The overlay has an object where the base has something else.
    #[error(
        "cannot merge an object into `{path}`, which is {existing}\n\
         (hint: replace the whole value at `{path}` in one layer, or make it an object in both)"
    )]
    Collision {
        /// The JSON path of the collision, keys joined with `.` (`HostConfig.Tmpfs`); keys
        /// that are not plain words are quoted (`Labels."com.example.x"`).
        path: String,
        /// What the base has at `path`.
        existing: JsonKind,
    },
    /// Two layers (`create_options` calls) set one value differently.
    #[error(
        "two layers set `{path}` differently: {earlier} vs {later}\n\
         (hint: set `{path}` in one layer only, or to the same value in each)"
    )]
    Conflict {
        /// The JSON path of the value, as in [`MergeError::Collision`].
        path: String,
        /// The earlier layer's value, as compact JSON.
        earlier: String,
        /// The later layer's value, as compact JSON.
        later: String,
    },
}

/// The kind of a JSON value, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonKind {
    /// The kind of `value`.
    pub(crate) fn of(value: &Value) -> JsonKind {
        match value {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Bool,
            Value::Number(_) => JsonKind::Number,
            Value::String(_) => JsonKind::String,
            Value::Array(_) => JsonKind::Array,
            Value::Object(_) => JsonKind::Object,
        }
    }
}

impl fmt::Display for JsonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonKind::Null => "null",
            JsonKind::Bool => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        })
    }
}

/// Merges `overlay` into `base`; on a conflict the overlay wins.
///
/// Keys of `overlay` missing from `base` are added. Where both have an object, the two are
/// merged recursively; otherwise the overlay's value replaces the base's (arrays are replaced,
/// not concatenated, and an overlay `null` replaces too). Where the base has `null` and the
/// overlay an object, the object is taken: `null` stands for "not set".
///
/// # Errors
///
/// [`MergeError::NotObjects`] when `base` or `overlay` is not an object, and
/// [`MergeError::Collision`] when the overlay has an object where the base has a non-null
/// value that is not an object. On error `base` may already be partly merged.
pub(crate) fn deep_merge(base: &mut Value, overlay: Value) -> Result<(), MergeError> {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            merge_objects(base, overlay, &mut Vec::new())
        }
        (base, overlay) => Err(MergeError::NotObjects {
            base: JsonKind::of(base),
            overlay: JsonKind::of(&overlay),
        }),
    }
}

/// Combines layers that must agree: objects are merged key by key, recursively, and a value
/// set by several layers must be the same in each (it is kept once).
///
/// # Errors
///
/// [`MergeError::NotObjects`] when a layer is not an object, and [`MergeError::Conflict`],
/// naming both values, when two layers set one value differently (including an object in one
/// and anything else in the other).
pub(crate) fn merge_layers(layers: impl IntoIterator<Item = Value>) -> Result<Value, MergeError> {
    let mut merged = Map::new();
    for layer in layers {
        match layer {
            Value::Object(layer) => agree_objects(&mut merged, layer, &mut Vec::new())?,
            other => {
                return Err(MergeError::NotObjects {
                    base: JsonKind::Object,
                    overlay: JsonKind::of(&other),
                })
            }
        }
    }
    Ok(Value::Object(merged))
}

fn agree_objects(
    base: &mut Map<String, Value>,
    overlay: Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<(), MergeError> {
    for (key, value) in overlay {
        path.push(key.clone());
        match (base.get_mut(&key), value) {
            (None, value) => {
                base.insert(key, value);
            }
            (Some(Value::Object(existing)), Value::Object(value)) => {
                agree_objects(existing, value, path)?;
            }
            (Some(existing), value) if *existing == value => {}
            (Some(existing), value) => {
                return Err(MergeError::Conflict {
                    path: render_path(path),
                    earlier: existing.to_string(),
                    later: value.to_string(),
                });
            }
        }
        path.pop();
    }
    Ok(())
}

fn merge_objects(
    base: &mut Map<String, Value>,
    overlay: Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<(), MergeError> {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(value)) => {
                path.push(key);
                merge_objects(existing, value, path)?;
                path.pop();
            }
            (Some(existing), Value::Object(_)) if !existing.is_null() => {
                path.push(key);
                return Err(MergeError::Collision {
                    path: render_path(path),
                    existing: JsonKind::of(existing),
                });
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    Ok(())
}

fn render_path(path: &[String]) -> String {
    let mut rendered = String::new();
    for (i, key) in path.iter().enumerate() {
        if i > 0 {
            rendered.push('.');
        }
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if plain {
            rendered.push_str(key);
        } else {
            rendered.push_str(&format!("{key:?}"));
        }
    }
    rendered
}

#[cfg(test)]
mod should {
    /// The module's worked example: a test, not a doctest, since the module is internal.
    #[test]
    fn deep_merge_as_documented() -> Result<(), Box<dyn std::error::Error>> {
        use crate::merge::deep_merge;
        use serde_json::json;

        let mut options =
            json!({"HostConfig": {"Init": true, "Tmpfs": {"/tmp": ""}}, "Cmd": ["a"]});
        deep_merge(
            &mut options,
            json!({"HostConfig": {"Tmpfs": {"/run": ""}}, "Cmd": ["b"]}),
        )?;
        assert_eq!(
            options,
            json!({"HostConfig": {"Init": true, "Tmpfs": {"/tmp": "", "/run": ""}}, "Cmd": ["b"]}),
        );
        Ok(())
    }

    /// The module's worked example: a test, not a doctest, since the module is internal.
    #[test]
    fn merge_layers_as_documented() -> Result<(), Box<dyn std::error::Error>> {
        use crate::merge::merge_layers;
        use serde_json::json;

        let layers = [
            json!({"HostConfig": {"Memory": 1000}}),
            json!({"HostConfig": {"Memory": 2000}}),
        ];
        let err = merge_layers(layers).unwrap_err();
        assert_eq!(
            err.to_string(),
            "two layers set `HostConfig.Memory` differently: 1000 vs 2000\n\
             (hint: set `HostConfig.Memory` in one layer only, or to the same value in each)",
        );
        Ok(())
    }

    use super::*;
    use serde_json::json;

    fn merged(base: Value, overlay: Value) -> Result<Value, MergeError> {
        let mut base = base;
        deep_merge(&mut base, overlay)?;
        Ok(base)
    }

    #[test]
    fn merge_kwargs() {
        // Python: test_merge_kwargs.
        let got = merged(
            json!({"a": {"aa": 1, "ab": 2}, "s": "foo", "t": "bar"}),
            json!({"a": {"ba": 3, "ab": 4}, "r": "arr", "t": "baz"}),
        );
        assert_eq!(
            got,
            Ok(json!({"a": {"aa": 1, "ab": 4, "ba": 3}, "r": "arr", "s": "foo", "t": "baz"}))
        );
    }

    #[test]
    fn merge_kwargs_with_base() {
        // Python: test_merge_kwargs_with_base, three layers: base < create_kwargs < kwargs.
        let mut options = json!({"a": {"aa": 0, "bb": 6}, "b": "base"});
        deep_merge(
            &mut options,
            json!({"a": {"aa": 1, "ab": 2}, "s": "foo", "t": "bar"}),
        )
        .expect("objects");
        deep_merge(
            &mut options,
            json!({"a": {"ba": 3, "ab": 4}, "r": "arr", "t": "baz"}),
        )
        .expect("objects");
        assert_eq!(
            options,
            json!({"a": {"aa": 1, "ab": 4, "ba": 3, "bb": 6}, "b": "base", "r": "arr", "s": "foo", "t": "baz"})
        );
    }

    #[test]
    fn merge_values() {
        let cases = [
            ("empty overlay", json!({"a": 1}), json!({}), json!({"a": 1})),
            (
                "empty base",
                json!({}),
                json!({"a": {"b": 1}}),
                json!({"a": {"b": 1}}),
            ),
            (
                "arrays replaced",
                json!({"Cmd": ["a", "b"]}),
                json!({"Cmd": ["c"]}),
                json!({"Cmd": ["c"]}),
            ),
            (
                "scalar over object",
                json!({"a": {"b": 1}}),
                json!({"a": 2}),
                json!({"a": 2}),
            ),
            (
                "array over object",
                json!({"a": {"b": 1}}),
                json!({"a": []}),
                json!({"a": []}),
            ),
            (
                "null over object",
                json!({"a": {"b": 1}}),
                json!({"a": null}),
                json!({"a": null}),
            ),
            (
                "object over null",
                json!({"a": null}),
                json!({"a": {"b": 1}}),
                json!({"a": {"b": 1}}),
            ),
            (
                "scalar kinds",
                json!({"a": 1, "b": "x"}),
                json!({"a": "1", "b": false}),
                json!({"a": "1", "b": false}),
            ),
            (
                "deep",
                json!({"HostConfig": {"RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}}}),
                json!({"HostConfig": {"RestartPolicy": {"Name": "always"}, "Init": true}}),
                json!({"HostConfig": {"RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}, "Init": true}}),
            ),
        ];
        for (name, base, overlay, expected) in cases {
            assert_eq!(merged(base, overlay), Ok(expected), "{name}");
        }
    }

    #[test]
    fn reject_non_objects() {
        // Python: test_merge_kwargs_dicts_only.
        let cases = [
            (
                json!([]),
                json!({}),
                "cannot merge an object into an array: both must be objects",
            ),
            (
                json!({}),
                json!("foo"),
                "cannot merge a string into an object: both must be objects",
            ),
            (
                json!(null),
                json!({}),
                "cannot merge an object into null: both must be objects",
            ),
            (
                json!({}),
                json!(1),
                "cannot merge a number into an object: both must be objects",
            ),
            (
                json!(true),
                json!([1]),
                "cannot merge an array into a boolean: both must be objects",
            ),
        ];
        for (base, overlay, message) in cases {
            let err = merged(base, overlay).expect_err("not objects");
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn name_the_path_of_a_collision() {
        let cases = [
            (
                json!({"HostConfig": {"Tmpfs": "/tmp"}}),
                json!({"HostConfig": {"Tmpfs": {"/run": ""}}}),
                "HostConfig.Tmpfs",
                JsonKind::String,
            ),
            (json!({"a": 1}), json!({"a": {}}), "a", JsonKind::Number),
            (
                json!({"a": [1]}),
                json!({"a": {"b": 1}}),
                "a",
                JsonKind::Array,
            ),
            (
                json!({"a": {"b": {"c": false}}}),
                json!({"a": {"b": {"c": {}}}}),
                "a.b.c",
                JsonKind::Bool,
            ),
            (
                json!({"Labels": {"com.example.x": "v"}}),
                json!({"Labels": {"com.example.x": {}}}),
                r#"Labels."com.example.x""#,
                JsonKind::String,
            ),
            (json!({"": 1}), json!({"": {}}), r#""""#, JsonKind::Number),
        ];
        for (base, overlay, path, existing) in cases {
            let err = merged(base, overlay).expect_err("collision");
            assert_eq!(
                err,
                MergeError::Collision {
                    path: path.to_owned(),
                    existing
                },
                "{path}"
            );
        }
    }

    #[test]
    fn explain_a_collision() {
        let err = merged(
            json!({"HostConfig": {"Tmpfs": "/tmp"}}),
            json!({"HostConfig": {"Tmpfs": {"/run": ""}}}),
        )
        .expect_err("collision");
        assert_eq!(
            err.to_string(),
            "cannot merge an object into `HostConfig.Tmpfs`, which is a string\n\
             (hint: replace the whole value at `HostConfig.Tmpfs` in one layer, or make it an object in both)"
        );
    }

    #[test]
    fn combine_agreeing_layers() {
        let cases = [
            ("no layers", vec![], json!({})),
            (
                "disjoint keys",
                vec![
                    json!({"Labels": {"a": "1"}}),
                    json!({"HostConfig": {"Memory": 1}}),
                ],
                json!({"Labels": {"a": "1"}, "HostConfig": {"Memory": 1}}),
            ),
            (
                "objects merge",
                vec![json!({"Labels": {"a": "1"}}), json!({"Labels": {"b": "2"}})],
                json!({"Labels": {"a": "1", "b": "2"}}),
            ),
            (
                "same value twice",
                vec![
                    json!({"Cmd": ["x"], "Tty": true}),
                    json!({"Cmd": ["x"], "Tty": true}),
                ],
                json!({"Cmd": ["x"], "Tty": true}),
            ),
        ];
        for (name, layers, expected) in cases {
            assert_eq!(merge_layers(layers), Ok(expected), "{name}");
        }
    }

    #[test]
    fn name_both_values_of_a_conflict() {
        let cases = [
            (
                json!({"HostConfig": {"Memory": 1000}}),
                json!({"HostConfig": {"Memory": 2000}}),
                "HostConfig.Memory",
                "1000",
                "2000",
            ),
            (
                json!({"Cmd": ["a"]}),
                json!({"Cmd": ["b"]}),
                "Cmd",
                r#"["a"]"#,
                r#"["b"]"#,
            ),
            (
                json!({"HostConfig": {"Tmpfs": "/tmp"}}),
                json!({"HostConfig": {"Tmpfs": {"/run": ""}}}),
                "HostConfig.Tmpfs",
                r#""/tmp""#,
                r#"{"/run":""}"#,
            ),
            (
                json!({"Labels": {"com.example.x": "v"}}),
                json!({"Labels": {"com.example.x": null}}),
                r#"Labels."com.example.x""#,
                r#""v""#,
                "null",
            ),
        ];
        for (earlier, later, path, a, b) in cases {
            let err = merge_layers([json!({"Image": "x"}), earlier, later]).expect_err(path);
            assert_eq!(
                err,
                MergeError::Conflict {
                    path: path.to_owned(),
                    earlier: a.to_owned(),
                    later: b.to_owned(),
                },
                "{path}"
            );
        }
    }

    #[test]
    fn reject_a_layer_that_is_not_an_object() {
        let err = merge_layers([json!({}), json!([1])]).expect_err("array");
        assert_eq!(
            err.to_string(),
            "cannot merge an array into an object: both must be objects"
        );
    }

    #[test]
    fn name_json_kinds() {
        for (value, kind, text) in [
            (json!(null), JsonKind::Null, "null"),
            (json!(true), JsonKind::Bool, "a boolean"),
            (json!(1.5), JsonKind::Number, "a number"),
            (json!("s"), JsonKind::String, "a string"),
            (json!([]), JsonKind::Array, "an array"),
            (json!({}), JsonKind::Object, "an object"),
        ] {
            assert_eq!(JsonKind::of(&value), kind);
            assert_eq!(kind.to_string(), text);
        }
    }
}
