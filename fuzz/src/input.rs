//! Small helpers to build structured text from an `arbitrary::Unstructured`.
//!
//! The generators never fail: when the input runs out, `arbitrary` yields zeros/empties, so a
//! short input still produces a (short) case.

use arbitrary::Unstructured;

/// One of `items` (the first when the input is exhausted).
pub fn pick<'a>(u: &mut Unstructured<'_>, items: &[&'a str]) -> &'a str {
    u.choose(items).copied().unwrap_or(items[0])
}

/// An integer in `0..=max`.
pub fn upto(u: &mut Unstructured<'_>, max: usize) -> usize {
    u.int_in_range(0..=max).unwrap_or(0)
}

/// True with probability about `1/n`.
pub fn one_in(u: &mut Unstructured<'_>, n: u8) -> bool {
    u.ratio(1, n).unwrap_or(false)
}

/// An arbitrary string of at most `max` chars (any Unicode scalar values).
pub fn any_string(u: &mut Unstructured<'_>, max: usize) -> String {
    let len = upto(u, max);
    (0..len)
        .map(|_| u.arbitrary::<char>().unwrap_or('a'))
        .collect()
}

/// A string made of up to `max` pieces: mostly `atoms`, sometimes one arbitrary char.
pub fn pieces(u: &mut Unstructured<'_>, atoms: &[&str], max: usize) -> String {
    let n = upto(u, max);
    let mut out = String::new();
    for _ in 0..n {
        if one_in(u, 16) {
            out.push(u.arbitrary::<char>().unwrap_or('a'));
        } else {
            out.push_str(pick(u, atoms));
        }
    }
    out
}

/// Arbitrary bytes, at most `max`.
pub fn bytes(u: &mut Unstructured<'_>, max: usize) -> Vec<u8> {
    let len = upto(u, max);
    u.bytes(len).map(<[u8]>::to_vec).unwrap_or_default()
}
