//! Path parameters are percent-encoded as the official SDK does (`quote(value, safe='')`):
//! every byte except `A-Z a-z 0-9 - . _ ~`. The generated client calls this instead of
//! progenitor's `encode_path` (see `use_official_path_encoding` in `xtask/src/codegen.rs`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes one path parameter.
pub(crate) fn encode_path(value: &str) -> String {
    path_segment(value).to_string()
}

/// One path parameter, encoded as it is written into a string (no intermediate `String`).
pub(crate) fn path_segment(value: &str) -> impl std::fmt::Display + '_ {
    utf8_percent_encode(value, PATH_SEGMENT)
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn encodes_like_the_official_sdk() {
        assert_eq!(encode_path("abc-._~XYZ09"), "abc-._~XYZ09");
        assert_eq!(encode_path("a/b"), "a%2Fb");
        assert_eq!(encode_path("a\\b"), "a%5Cb");
        assert_eq!(encode_path("a b+c"), "a%20b%2Bc");
        assert_eq!(encode_path("ä"), "%C3%A4");
        assert_eq!(
            encode_path("!$&'()*,;=:@|^[]%"),
            "%21%24%26%27%28%29%2A%2C%3B%3D%3A%40%7C%5E%5B%5D%25"
        );
    }
}
