//! JSON written as Python's `json.dumps` writes it by default (`", "` and `": "` separators,
//! every non-ASCII character as `\uXXXX`), which is what the official SDK puts in the bodies of
//! its STS and IAM requests. Matching it byte for byte lets the tests compare our requests with
//! the SDK's exactly.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};

struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // `ensure_ascii=True`: anything beyond ASCII as UTF-16 escapes (surrogate pairs).
        let mut units = [0u16; 2];
        for c in fragment.chars() {
            if c.is_ascii() {
                w.write_all(&[c as u8])?;
            } else {
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        // Python writes `\b \f \n \r \t \" \\` short and other control characters as `\u00xx`;
        // `/` is never escaped. serde_json's default does the same.
        serde_json::ser::CompactFormatter.write_char_escape(w, escape)
    }
}

/// `value` as `json.dumps(value)` would write it.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value.serialize(&mut serializer)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn separators_and_ascii_escapes_are_pythons() {
        let value = serde_json::json!({"a": [1, "é😀"], "b": {"c": "x\ny/\u{1f}"}});
        assert_eq!(
            String::from_utf8(super::to_vec(&value).unwrap()).unwrap(),
            r#"{"a": [1, "\u00e9\ud83d\ude00"], "b": {"c": "x\ny/\u001f"}}"#
        );
    }
}
