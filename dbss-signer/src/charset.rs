//! Which bytes and characters are what: RFC 3986 / RFC 9110 classes and Python's whitespace.

/// Byte classes, one bit each, looked up in a 256-entry table: these checks run over every
/// byte of every request, so a table beats a chain of comparisons.
const UNRESERVED: u8 = 1;
const PATH: u8 = 2;
const AUTHORITY: u8 = 4;
const TOKEN: u8 = 8;
const PLAIN_PATH: u8 = 16;
const QUERY: u8 = 32;
const NOT_UNDERSCORE: u8 = 64;

const fn build_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let alnum = c.is_ascii_alphanumeric();
        // RFC 3986 unreserved: what Python's quote(s, safe='~') leaves alone.
        let unreserved = alnum || matches!(c, b'-' | b'.' | b'_' | b'~');
        let sub_delim = matches!(
            c,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        );
        let mut class = 0;
        if unreserved {
            class |= UNRESERVED;
        }
        // RFC 3986 pchar and '/', plus '%' (a stray '%' is canonicalised as %25, like Python's
        // unquote + quote, so it is harmless).
        if unreserved || sub_delim || matches!(c, b':' | b'@' | b'/' | b'%') {
            class |= PATH | QUERY;
        }
        // The official SDK signs every header whose name has no '_'.
        if c != b'_' {
            class |= NOT_UNDERSCORE;
        }
        // A query may also contain '?'.
        if c == b'?' {
            class |= QUERY;
        }
        // A path made of these alone is its own CanonicalURI (nothing to decode or encode).
        if unreserved || c == b'/' {
            class |= PLAIN_PATH;
        }
        // RFC 3986 reg-name / IP-literal characters and the port separator.
        if unreserved || sub_delim || matches!(c, b':' | b'[' | b']' | b'%') {
            class |= AUTHORITY;
        }
        // RFC 9110 tchar.
        if alnum
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            )
        {
            class |= TOKEN;
        }
        table[i] = class;
        i += 1;
    }
    table
}

static CLASSES: [u8; 256] = build_classes();

fn has_class(b: u8, class: u8) -> bool {
    CLASSES[usize::from(b)] & class != 0
}

/// The classes every byte of a string belongs to, found in one pass without branches (a URL
/// is classified on every signature, so this matters).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Classes(u8);

impl Classes {
    /// The classes common to all of `bytes` (all classes for an empty slice).
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Self(
            bytes
                .iter()
                .fold(u8::MAX, |acc, &b| acc & CLASSES[usize::from(b)]),
        )
    }

    /// Every byte is allowed raw in a path ([`is_path_byte`]).
    pub(crate) fn path(self) -> bool {
        self.0 & PATH != 0
    }

    /// Every byte is allowed raw in a query: a path byte or `?`.
    pub(crate) fn query(self) -> bool {
        self.0 & QUERY != 0
    }

    /// Every byte is unreserved or `/`: a path that is its own CanonicalURI.
    pub(crate) fn plain_path(self) -> bool {
        self.0 & PLAIN_PATH != 0
    }

    /// Every byte is a `tchar` (RFC 9110); [`is_token`] also requires a non-empty string.
    pub(crate) fn token(self) -> bool {
        self.0 & TOKEN != 0
    }

    /// No byte is `_`: a header name the official SDK signs.
    pub(crate) fn no_underscore(self) -> bool {
        self.0 & NOT_UNDERSCORE != 0
    }
}

/// RFC 3986 unreserved (`A-Z a-z 0-9 - _ . ~`): kept as is by Python's `quote(s, safe='~')`.
pub(crate) fn is_unreserved(b: u8) -> bool {
    has_class(b, UNRESERVED)
}

/// Allowed raw in a path or query: RFC 3986 `pchar`, `/`, and `%`.
pub(crate) fn is_path_byte(b: u8) -> bool {
    has_class(b, PATH)
}

/// Allowed in `host[:port]`: RFC 3986 `reg-name` / `IP-literal` characters and `:`.
pub(crate) fn is_authority_byte(b: u8) -> bool {
    has_class(b, AUTHORITY)
}

/// RFC 9110 `token`: what a method or header name may consist of.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && Classes::of(s.as_bytes()).token()
}

/// True if a header value contains a byte RFC 9110 says must never appear in a field value.
pub(crate) fn has_forbidden_value_byte(value: &str) -> bool {
    // CR, LF and NUL are all below 14: the smallest byte (a vectorised scan) rules them out
    // for almost every value without looking at each byte for three values.
    let smallest = value.bytes().fold(u8::MAX, u8::min);
    smallest < 14 && value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// Python's `str.strip()`: removes characters for which `str.isspace()` is true.
///
/// That set is Rust's `char::is_whitespace` plus the information separators U+001C..U+001F
/// (Python counts bidi classes B and S as whitespace, Unicode's White_Space does not).
pub(crate) fn py_strip(value: &str) -> &str {
    // Nearly every value starts and ends with a visible ASCII character: nothing to strip.
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if visible(value.as_bytes().first()) && visible(value.as_bytes().last()) {
        return value;
    }
    value.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Compares two header names as their lower-case forms, without allocating.
pub(crate) fn cmp_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    for (x, y) in a.bytes().zip(b.bytes()) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_strip_matches_python_isspace() {
        assert_eq!(py_strip("  padded value  "), "padded value");
        assert_eq!(py_strip("\u{1c}\u{a0}x\u{3000}\u{1f}"), "x");
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x");
        assert_eq!(py_strip("x"), "x");
        assert_eq!(py_strip(""), "");
        assert_eq!(py_strip(" "), "");
        assert_eq!(py_strip("a b"), "a b");
        assert_eq!(py_strip("a\u{3000}"), "a");
    }

    #[test]
    fn cmp_lowercase_orders_like_the_lowercased_names() {
        use std::cmp::Ordering::*;
        for (a, b) in [
            ("Host", "host"),
            ("X-Sdk-Date", "x-sdk-content-sha256"),
            ("a", "ab"),
            ("Content-Type", "content_type"),
            ("", "a"),
            ("Z", "a"),
        ] {
            let expected = a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase());
            assert_eq!(cmp_lowercase(a, b), expected, "{a} {b}");
            assert_eq!(cmp_lowercase(b, a), expected.reverse(), "{b} {a}");
        }
        assert_eq!(cmp_lowercase("Host", "HOST"), Equal);
    }

    #[test]
    fn classes() {
        assert!(is_token("X-Sdk-Date") && is_token("X_Under") && !is_token("a b"));
        assert!(!is_token("") && !is_token("a:b") && !is_token("ä"));
        assert!(is_path_byte(b'%') && !is_path_byte(b'#') && !is_path_byte(b'\\'));
        assert!(b"[::1]:8080".iter().all(|&b| is_authority_byte(b)) && !is_authority_byte(b'/'));
        assert!(Classes::of(b"/v1/a-b_c.d~e").plain_path() && !Classes::of(b"/a%2F").plain_path());
        assert!(Classes::of(b"/a%2F").path() && !Classes::of(b"/a?b").path());
        assert!(Classes::of(b"a=1&b=?").query() && !Classes::of(b"a=#").query());
        assert!(Classes::of(b"").plain_path());
        assert!(Classes::of(b"x-sdk-date").no_underscore() && !Classes::of(b"x_y").no_underscore());
        assert!(has_forbidden_value_byte("a\rb") && !has_forbidden_value_byte("a\tb"));
        assert!(has_forbidden_value_byte("\0") && has_forbidden_value_byte("x\n"));
        assert!(!has_forbidden_value_byte("\u{b}\u{c}\u{e}") && !has_forbidden_value_byte(""));
    }
}
