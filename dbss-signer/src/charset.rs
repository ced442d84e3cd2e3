//! Which bytes and characters are what: RFC 3986 / RFC 9110 classes and Python's whitespace.

/// Byte classes, one bit each, looked up in a 256-entry table: these checks run over every
/// byte of every request, so a table beats a chain of comparisons.
const UNRESERVED: u8 = 1;
const PATH: u8 = 2;
const AUTHORITY: u8 = 4;
const TOKEN: u8 = 8;

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
            class |= PATH;
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
    !s.is_empty() && s.bytes().all(|b| has_class(b, TOKEN))
}

/// True if a header value contains a byte RFC 9110 says must never appear in a field value.
pub(crate) fn has_forbidden_value_byte(value: &str) -> bool {
    value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// Python's `str.strip()`: removes characters for which `str.isspace()` is true.
///
/// That set is Rust's `char::is_whitespace` plus the information separators U+001C..U+001F
/// (Python counts bidi classes B and S as whitespace, Unicode's White_Space does not).
pub(crate) fn py_strip(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Compares two header names as their lower-case forms, without allocating.
pub(crate) fn cmp_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_strip_matches_python_isspace() {
        assert_eq!(py_strip("  padded value  "), "padded value");
        assert_eq!(py_strip("\u{1c}\u{a0}x\u{3000}\u{1f}"), "x");
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x");
    }

    #[test]
    fn classes() {
        assert!(is_token("X-Sdk-Date") && is_token("X_Under") && !is_token("a b"));
        assert!(!is_token("") && !is_token("a:b") && !is_token("ä"));
        assert!(is_path_byte(b'%') && !is_path_byte(b'#') && !is_path_byte(b'\\'));
        assert!(is_authority_byte(b'[') && !is_authority_byte(b'/'));
        assert!(has_forbidden_value_byte("a\rb") && !has_forbidden_value_byte("a\tb"));
    }
}
