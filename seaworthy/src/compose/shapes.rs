//! The YAML shapes a Compose key may take (`command: a b` or `command: [a, b]`, `environment`
//! as a mapping or a list, …), read by hand-written visitors rather than `#[serde(untagged)]`,
//! so that an unknown key inside a long form is still reported with its line.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A type read from a scalar, a sequence or a mapping; each shape it does not take is an
/// "invalid type" error naming what it expects.
pub(crate) trait Shapes: Sized {
    /// What the key holds, in words ("a string or a list of strings").
    const EXPECTING: &'static str;

    fn scalar<E: de::Error>(s: String) -> Result<Self, E> {
        Err(E::invalid_value(de::Unexpected::Str(&s), &Self::EXPECTING))
    }

    fn seq<'de, A: SeqAccess<'de>>(_seq: A) -> Result<Self, A::Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::Seq,
            &Self::EXPECTING,
        ))
    }

    fn map<'de, A: MapAccess<'de>>(_map: A) -> Result<Self, A::Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::Map,
            &Self::EXPECTING,
        ))
    }

    /// A YAML null (`key:` with nothing after it).
    fn null<E: de::Error>() -> Result<Self, E> {
        Err(E::invalid_type(de::Unexpected::Unit, &Self::EXPECTING))
    }
}

struct ShapeVisitor<T>(PhantomData<T>);

impl<'de, T: Shapes> Visitor<'de> for ShapeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::scalar(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        T::scalar(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::scalar(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::scalar(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::scalar(v.to_string())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        T::scalar(v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        T::null()
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        T::null()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::map(map)
    }
}

/// `Deserialize` for a [`Shapes`] type: the impls [`deserialize_shapes!`] writes call this.
pub(crate) fn deserialize<'de, T: Shapes, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(ShapeVisitor(PhantomData))
}

/// `impl Deserialize` for a [`Shapes`] type, through [`deserialize`].
macro_rules! deserialize_shapes {
    ($ty:ident) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::compose::shapes::deserialize(d)
            }
        }
    };
}
pub(crate) use deserialize_shapes;

/// Reads the rest of a mapping as the struct `L` (its unknown keys are errors with their line).
pub(crate) fn long<'de, L: Deserialize<'de>, A: MapAccess<'de>>(map: A) -> Result<L, A::Error> {
    L::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// Reads the rest of a sequence as `Vec<L>`.
pub(crate) fn items<'de, L: Deserialize<'de>, A: SeqAccess<'de>>(
    mut seq: A,
) -> Result<Vec<L>, A::Error> {
    let mut out = Vec::new();
    while let Some(x) = seq.next_element()? {
        out.push(x);
    }
    Ok(out)
}

/// Any scalar, as text (`5432`, `true`, `x`); null is `None` where the key allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scalar(pub(crate) Option<String>);

impl Shapes for Scalar {
    const EXPECTING: &'static str = "a string, a number or a boolean";

    fn scalar<E: de::Error>(s: String) -> Result<Self, E> {
        Ok(Scalar(Some(s)))
    }

    fn null<E: de::Error>() -> Result<Self, E> {
        Ok(Scalar(None))
    }
}

/// `command`/`entrypoint`: a list of words, or one string split as a shell would (quotes and
/// backslashes; no variables, no globbing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Words(pub(crate) Vec<String>);

impl Shapes for Words {
    const EXPECTING: &'static str = "a string or a list of strings";

    fn scalar<E: de::Error>(s: String) -> Result<Self, E> {
        split_words(&s).map(Words).map_err(E::custom)
    }

    fn seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        let words: Vec<Scalar> = items(seq)?;
        Ok(Words(
            words.into_iter().map(|w| w.0.unwrap_or_default()).collect(),
        ))
    }
}

/// `env_file`, `profiles`-like keys: one string or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Strings(pub(crate) Vec<String>);

impl Shapes for Strings {
    const EXPECTING: &'static str = "a string or a list of strings";

    fn scalar<E: de::Error>(s: String) -> Result<Self, E> {
        Ok(Strings(vec![s]))
    }

    fn seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        let v: Vec<String> = items(seq)?;
        Ok(Strings(v))
    }
}

/// `environment`, `labels`, `args`: a mapping (`KEY: value`, `KEY:` for "from the host's
/// environment") or a list (`KEY=value`, `KEY`), in the file's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct KeyValues(pub(crate) Vec<(String, Option<String>)>);

impl Shapes for KeyValues {
    const EXPECTING: &'static str = "a mapping or a list of `KEY=value` strings";

    fn seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        let v: Vec<String> = items(seq)?;
        Ok(KeyValues(
            v.into_iter()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (kv, None),
                })
                .collect(),
        ))
    }

    fn map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Scalar>()? {
            out.push((k, v.0));
        }
        Ok(KeyValues(out))
    }
}

deserialize_shapes!(Scalar);
deserialize_shapes!(Words);
deserialize_shapes!(Strings);
deserialize_shapes!(KeyValues);

/// Splits a command line into words as a POSIX shell would, without expansions: single quotes
/// keep everything, double quotes keep all but `\"` and `\\`, a backslash outside quotes
/// escapes the next character.
pub(crate) fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(format!("unterminated single quote in `{s}`")),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err(format!("unterminated double quote in `{s}`")),
                        },
                        Some(c) => w.push(c),
                        None => return Err(format!("unterminated double quote in `{s}`")),
                    }
                }
            }
            '\\' => {
                let w = word.get_or_insert_with(String::new);
                if let Some(c) = chars.next() {
                    w.push(c);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn split_a_command_line_as_a_shell_would() {
        assert_eq!(
            split_words(r#"sh -c 'echo "a b"' x\ y "q\"t" """#).unwrap(),
            ["sh", "-c", "echo \"a b\"", "x y", "q\"t", ""]
        );
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
        assert!(split_words("echo 'x")
            .unwrap_err()
            .contains("unterminated single quote"));
    }

    #[test]
    fn read_environment_as_a_mapping_or_a_list() {
        let m: KeyValues = serde_saphyr::from_str("A: 1\nB:\nC: x=y\n").unwrap();
        assert_eq!(
            m.0,
            [
                ("A".into(), Some("1".into())),
                ("B".into(), None),
                ("C".into(), Some("x=y".into()))
            ]
        );
        let l: KeyValues = serde_saphyr::from_str("- A=1\n- B\n").unwrap();
        assert_eq!(l.0, [("A".into(), Some("1".into())), ("B".into(), None)]);
    }

    #[test]
    fn read_words_as_a_string_or_a_list() {
        let w: Words = serde_saphyr::from_str("echo 'a b'").unwrap();
        assert_eq!(w.0, ["echo", "a b"]);
        let w: Words = serde_saphyr::from_str("[echo, 1]").unwrap();
        assert_eq!(w.0, ["echo", "1"]);
    }
}
