//! The `[basic]` section of the official SDKs' credentials file.
//!
//! The official SDKs read the file with Python's `configparser`, so this accepts what it accepts
//! for the simple files users write: `[section]` headers, `key = value` or `key: value` lines,
//! keys compared case-insensitively, values trimmed, whole-line comments starting with `#` or
//! `;`, blank lines. Like `configparser` it does *not* strip inline comments (`ak = x # y` has
//! the value `x # y`) and rejects a key given twice in a section. Multi-line (indented
//! continuation) values are not supported: credentials never span lines.
//!
//! Twenty lines of parsing are simpler to audit than an INI dependency, and an INI crate's
//! dialect (inline comments, quoting, escapes) would differ from `configparser` anyway.

/// The keys of `[basic]` this SDK uses; other keys are ignored.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct BasicSection {
    pub ak: Option<String>,
    pub sk: Option<String>,
    pub project_id: Option<String>,
    pub security_token: Option<String>,
}

/// A syntax error: the 1-based line and what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub reason: &'static str,
}

/// Parses the file's text. `Ok(None)` when there is no `[basic]` section. Empty values count as
/// absent (as an empty environment variable does).
pub(crate) fn parse_basic(text: &str) -> Result<Option<BasicSection>, SyntaxError> {
    // An editor on Windows may have written a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut basic: Option<BasicSection> = None;
    let mut in_basic = false;
    let mut any_section = false;
    let mut seen: Vec<String> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest.strip_suffix(']').ok_or(SyntaxError {
                line: line_no,
                reason: "a section header must end with ']'",
            })?;
            any_section = true;
            // configparser compares section names exactly (they are case-sensitive).
            in_basic = name.trim() == "basic";
            if in_basic {
                if basic.is_some() {
                    return Err(SyntaxError {
                        line: line_no,
                        reason: "section [basic] appears twice",
                    });
                }
                basic = Some(BasicSection::default());
                seen.clear();
            }
            continue;
        }
        let Some(split) = line.find(['=', ':']) else {
            return Err(SyntaxError {
                line: line_no,
                reason: "expected `key = value`, a [section] header or a comment",
            });
        };
        let key = line[..split].trim().to_ascii_lowercase();
        let value = line[split + 1..].trim();
        if key.is_empty() {
            return Err(SyntaxError {
                line: line_no,
                reason: "a key is missing before '='",
            });
        }
        let Some(section) = basic.as_mut().filter(|_| in_basic) else {
            // A key before any section is an error in configparser; keys of other sections
            // are none of our business.
            if !any_section {
                return Err(SyntaxError {
                    line: line_no,
                    reason: "a key appears before any [section] header",
                });
            }
            continue;
        };
        if seen.contains(&key) {
            return Err(SyntaxError {
                line: line_no,
                reason: "a key is given twice in [basic]",
            });
        }
        let value = (!value.is_empty()).then(|| value.to_owned());
        match key.as_str() {
            "ak" => section.ak = value,
            "sk" => section.sk = value,
            "project_id" => section.project_id = value,
            "security_token" => section.security_token = value,
            _ => {}
        }
        seen.push(key);
    }
    Ok(basic)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_basic_with_comments_whitespace_and_other_sections() {
        let text = "\u{feff}# credentials\r\n\
                    [other]\r\n\
                    ak = NOT-THIS\r\n\
                    \r\n\
                    [basic]\r\n\
                    ; a comment\r\n\
                    \tAK =  AK123  \r\n\
                    sk:SK456\r\n\
                    project_id = p1\r\n\
                    security_token = st = with equals\r\n\
                    region = cn-north-4\r\n\
                    [later]\r\n\
                    sk = NOT-THIS-EITHER\r\n";
        let b = parse_basic(text).unwrap().unwrap();
        assert_eq!(
            b,
            BasicSection {
                ak: Some("AK123".into()),
                sk: Some("SK456".into()),
                project_id: Some("p1".into()),
                security_token: Some("st = with equals".into()),
            }
        );
    }

    #[test]
    fn inline_comments_are_part_of_the_value_like_configparser() {
        let b = parse_basic("[basic]\nak = a # not a comment\n")
            .unwrap()
            .unwrap();
        assert_eq!(b.ak.as_deref(), Some("a # not a comment"));
    }

    #[test]
    fn missing_section_and_empty_values() {
        assert_eq!(parse_basic("[default]\nak = x\n").unwrap(), None);
        assert_eq!(parse_basic("").unwrap(), None);
        let b = parse_basic("[basic]\nak =\nsk = s\n").unwrap().unwrap();
        assert_eq!(b.ak, None);
        assert_eq!(b.sk.as_deref(), Some("s"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        assert_eq!(
            parse_basic("[basic]\nak = a\njunk\n").unwrap_err(),
            SyntaxError {
                line: 3,
                reason: "expected `key = value`, a [section] header or a comment"
            }
        );
        assert_eq!(parse_basic("[basic\n").unwrap_err().line, 1);
        assert_eq!(parse_basic("ak = a\n[basic]\n").unwrap_err().line, 1);
        assert_eq!(
            parse_basic("[basic]\nak = a\nAK = b\n").unwrap_err().line,
            3
        );
        assert_eq!(parse_basic("[basic]\n= a\n").unwrap_err().line, 2);
        assert_eq!(parse_basic("[basic]\n[x]\n[basic]\n").unwrap_err().line, 3);
    }
}
