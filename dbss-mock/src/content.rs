//! Generated response bodies: report files of any size and garbage bytes, produced chunk by chunk
//! so that a 1 GiB download or a 10 MiB garbage body never sits in memory.

use bytes::Bytes;

use crate::state::splitmix;

/// Length of a padding line in a generated report (`%`, 78 characters, `\n`).
const LINE: usize = 80;

/// The block that padding and garbage repeat: 819 whole lines, just under 64 KiB. Sending a
/// slice of one shared block costs nothing, so even a debug build streams a 1 GiB report as fast
/// as the socket takes it.
const BLOCK: usize = 819 * LINE;

/// One stretch of a generated body.
#[derive(Debug, Clone)]
enum Segment {
    /// These bytes.
    Fixed(Bytes),
    /// `len` bytes of `block` over and over.
    Repeat { block: Bytes, len: u64 },
}

impl Segment {
    fn len(&self) -> u64 {
        match self {
            Segment::Fixed(bytes) => bytes.len() as u64,
            Segment::Repeat { len, .. } => *len,
        }
    }

    /// The longest cheap chunk starting at `offset` within the segment.
    fn chunk_at(&self, offset: u64) -> Bytes {
        match self {
            Segment::Fixed(bytes) => bytes.slice(offset as usize..),
            Segment::Repeat { block, len } => {
                let start = (offset % block.len() as u64) as usize;
                let n = ((block.len() - start) as u64).min(len - offset) as usize;
                block.slice(start..start + n)
            }
        }
    }
}

/// A body made of segments, produced chunk by chunk.
#[derive(Debug, Clone)]
struct Segments {
    segments: Vec<Segment>,
    pos: u64,
}

impl Segments {
    fn len(&self) -> u64 {
        self.segments.iter().map(Segment::len).sum()
    }
}

impl Iterator for Segments {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let mut start = 0;
        for segment in &self.segments {
            let end = start + segment.len();
            if self.pos < end {
                let chunk = segment.chunk_at(self.pos - start);
                self.pos += chunk.len() as u64;
                return Some(chunk);
            }
            start = end;
        }
        None
    }
}

/// The bytes of a generated report file, produced chunk by chunk (an iterator of [`Bytes`]).
///
/// The file is a valid one-page PDF naming the report, its template, its period and its
/// language; when the configured [report size](crate::MockServerBuilder::report_size) is
/// larger than that page, PDF comment lines of pseudo-random text (deterministic per report and
/// language) fill it to exactly that size. A PDF viewer opens it at any size.
///
/// Get one from [`MockServer::report_content`](crate::MockServer::report_content) to compare
/// with what a client downloaded.
#[derive(Debug, Clone)]
pub struct ReportContent {
    body: Segments,
}

/// What the generated report page shows.
#[derive(Debug, Clone)]
pub(crate) struct ReportPage<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub template_id: &'a str,
    pub start_time: &'a str,
    pub end_time: &'a str,
    pub finish_time: &'a str,
    pub locale: &'a str,
}

impl ReportContent {
    /// A report file of `size` bytes (or the size of the bare page, if that is larger).
    pub(crate) fn new(page: &ReportPage<'_>, size: u64) -> Self {
        // A comment with bytes >= 0x80 on the second line tells tools the file is binary.
        let prefix = Bytes::from_static(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
        let bare = pdf_objects(page, prefix.len() as u64).len() as u64 + prefix.len() as u64;
        let padding = size.saturating_sub(bare);
        let suffix = Bytes::from(pdf_objects(page, prefix.len() as u64 + padding));
        let seed = fnv1a(page.id.as_bytes()) ^ fnv1a(page.locale.as_bytes()).rotate_left(17);

        // Whole comment lines repeat the block; a last, shorter line makes up the rest, so that
        // the padding always ends with a newline and the first object starts a line.
        let short = (padding % LINE as u64) as usize;
        let whole = padding - short as u64;
        let mut segments = vec![Segment::Fixed(prefix)];
        if whole > 0 {
            segments.push(Segment::Repeat {
                block: comment_lines(seed, BLOCK),
                len: whole,
            });
        }
        if short > 0 {
            segments.push(Segment::Fixed(comment_lines(!seed, short)));
        }
        segments.push(Segment::Fixed(suffix));
        Self {
            body: Segments { segments, pos: 0 },
        }
    }

    /// The total length in bytes.
    pub fn len(&self) -> u64 {
        self.body.len()
    }

    /// Always false: a report file has at least its one page.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Iterator for ReportContent {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        self.body.next()
    }
}

/// `len` bytes of PDF comment lines: `%`, printable pseudo-random characters, `\n`, in lines of
/// [`LINE`] bytes (the last one shorter if `len` is not a multiple; a 1-byte "line" is `\n`).
fn comment_lines(seed: u64, len: usize) -> Bytes {
    let mut out = Vec::with_capacity(len);
    let mut word = 0u64;
    for i in 0..len {
        if i % 8 == 0 {
            word = splitmix(seed ^ (i as u64 / 8));
        }
        let col = i % LINE;
        let line_end = (i - col + LINE).min(len);
        out.push(if i + 1 == line_end {
            b'\n'
        } else if col == 0 {
            b'%'
        } else {
            b'!' + (word >> ((i % 8) * 8)) as u8 % 94
        });
    }
    Bytes::from(out)
}

/// Pseudo-random bytes (all 256 values, so neither UTF-8 nor JSON), produced chunk by chunk by
/// repeating one random block.
#[derive(Debug, Clone)]
pub(crate) struct Garbage {
    body: Segments,
}

impl Garbage {
    pub fn new(len: u64, seed: u64) -> Self {
        let block: Vec<u8> = (0..BLOCK / 8)
            .flat_map(|i| splitmix(seed ^ i as u64).to_le_bytes())
            .collect();
        Self {
            body: Segments {
                segments: vec![Segment::Repeat {
                    block: Bytes::from(block),
                    len,
                }],
                pos: 0,
            },
        }
    }
}

impl Iterator for Garbage {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        self.body.next()
    }
}

/// FNV-1a, to turn a report id into a padding seed.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A PDF string literal: ASCII only, with `\`, `(` and `)` escaped.
fn pdf_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('(');
    for c in s.chars() {
        match c {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push(')');
    out
}

/// The objects, cross-reference table and trailer of a one-page PDF whose first object starts
/// at byte `offset` of the file.
fn pdf_objects(page: &ReportPage<'_>, offset: u64) -> Vec<u8> {
    let title = if page.locale == "zh-cn" {
        "DBSS audit report (zh-cn)"
    } else {
        "DBSS audit report"
    };
    let lines = [
        format!("Report: {}", page.name),
        format!("Report ID: {}", page.id),
        format!("Template ID: {}", page.template_id),
        format!("Period: {} to {}", page.start_time, page.end_time),
        format!("Finished: {}", page.finish_time),
        format!("Language: {}", page.locale),
        "Generated by dbss-mock, the embedded DBSS server of dbss-rs.".to_owned(),
    ];
    let mut text = format!(
        "BT /F1 18 Tf 72 770 Td {} Tj ET\nBT /F1 11 Tf 72 740 Td 16 TL\n",
        pdf_string(title)
    );
    for line in &lines {
        text.push_str(&pdf_string(line));
        text.push_str(" Tj T*\n");
    }
    text.push_str("ET\n");

    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}endstream", text.len()),
    ];
    let mut out = Vec::with_capacity(2048);
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(offset + out.len() as u64);
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = offset + out.len() as u64;
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    // startxref is zero-padded to a fixed width so that the trailer's length does not depend
    // on the padding before it (PDF integers may have leading zeros).
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref:010}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn page(id: &str) -> ReportPage<'_> {
        ReportPage {
            id,
            name: "Database (security) report",
            template_id: "t8g7LJgBTpKZyZbbeTgS",
            start_time: "2025-08-20 16:00:00",
            end_time: "2025-08-21 07:03:31",
            finish_time: "2025-08-21 07:05:12",
            locale: "en-us",
        }
    }

    fn collect(c: ReportContent) -> Vec<u8> {
        c.flat_map(|b| b.to_vec()).collect()
    }

    #[test]
    fn reports_have_the_requested_size_and_a_valid_pdf_frame() {
        for size in [0, 100, 2_000, 2_001, 65_536, 200_003] {
            let content = ReportContent::new(&page("Hx9QLJgBTpKZyZbbhTgS"), size);
            let len = content.len();
            let bytes = collect(content);
            assert_eq!(bytes.len() as u64, len);
            assert!(len >= size);
            if size > 2_000 {
                assert_eq!(len, size);
            }
            assert!(bytes.starts_with(b"%PDF-1.4\n"));
            assert!(bytes.ends_with(b"%%EOF\n"));
            // The xref offsets point at the objects (byte offsets: the marker line is not UTF-8).
            let find = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
            let tail = &bytes[find(b"startxref\n").expect("startxref") + 10..];
            let startxref: usize = std::str::from_utf8(&tail[..10]).unwrap().parse().unwrap();
            assert!(bytes[startxref..].starts_with(b"xref\n"));
            let first_object = find(b"1 0 obj").expect("object 1");
            assert!(find(format!("{first_object:010} 00000 n \n").as_bytes()).is_some());
        }
    }

    #[test]
    fn content_is_deterministic_and_differs_per_report() {
        let a = collect(ReportContent::new(&page("Hx9QLJgBTpKZyZbbhTgS"), 300_000));
        let b = collect(ReportContent::new(&page("Hx9QLJgBTpKZyZbbhTgS"), 300_000));
        let c = collect(ReportContent::new(&page("Wk1aLJgBTpKZyZbbmTgS"), 300_000));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn garbage_is_exactly_as_long_as_asked() {
        let g = Garbage::new(200_001, 3);
        let bytes: Vec<u8> = g.flat_map(|b| b.to_vec()).collect();
        assert_eq!(bytes.len(), 200_001);
        assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
    }
}
