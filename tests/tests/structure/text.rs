//! Reading Rust source as text: comments and literals blanked out, items and words found in
//! what is left.

/// `text` with every comment, string and character literal replaced by spaces (newlines kept,
/// so lines stay where they were).
pub(crate) fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let after_identifier = i > 0 && is_identifier(chars[i - 1]);
        let skip = if after_identifier {
            0
        } else {
            not_code_len(&chars[i..])
        };
        if skip == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let end = (i + skip).min(chars.len());
        out.extend(chars[i..end].iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
        i = end;
    }
    out
}

pub(crate) fn is_identifier(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// How many characters at the start of `rest` are a comment or a literal (0: code).
pub(crate) fn not_code_len(rest: &[char]) -> usize {
    let at = |i: usize| rest.get(i).copied();
    match (at(0), at(1), at(2)) {
        (Some('/'), Some('/'), _) => rest.iter().position(|&c| c == '\n').unwrap_or(rest.len()),
        (Some('/'), Some('*'), _) => block_comment_len(rest),
        (Some('"'), _, _) => string_len(rest, 1),
        (Some('b'), Some('"'), _) => string_len(rest, 2),
        (Some('r'), Some('"' | '#'), _) => raw_string_len(rest, 1),
        (Some('b'), Some('r'), Some('"' | '#')) => raw_string_len(rest, 2),
        (Some('b'), Some('\''), _) => char_len(&rest[1..]).map_or(0, |n| n + 1),
        (Some('\''), _, _) => char_len(rest).unwrap_or(0),
        _ => 0,
    }
}

/// A `/* ... */` comment, nested ones included.
pub(crate) fn block_comment_len(rest: &[char]) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i + 1 < rest.len() {
        match (rest[i], rest[i + 1]) {
            ('/', '*') => depth += 1,
            ('*', '/') => depth -= 1,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
        if depth == 0 {
            return i;
        }
    }
    rest.len()
}

/// A string whose content starts at `start`, up to its unescaped closing quote.
pub(crate) fn string_len(rest: &[char], start: usize) -> usize {
    let mut i = start;
    while i < rest.len() {
        match rest[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    rest.len()
}

/// A raw string whose `#`s start at `start` (`r#"..."#`); 0 for an identifier such as `r#type`.
pub(crate) fn raw_string_len(rest: &[char], start: usize) -> usize {
    let hashes = rest[start..].iter().take_while(|&&c| c == '#').count();
    if rest.get(start + hashes) != Some(&'"') {
        return 0;
    }
    let closing: Vec<char> = std::iter::once('"')
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    let body = start + hashes + 1;
    (body..rest.len())
        .find(|&i| rest[i..].starts_with(&closing))
        .map_or(rest.len(), |i| i + closing.len())
}

/// A character literal (`'a'`, `'\n'`, `'\u{430}'`); `None` for a lifetime or a label.
pub(crate) fn char_len(rest: &[char]) -> Option<usize> {
    match (rest.get(1), rest.get(2)) {
        (Some('\\'), _) => rest.iter().skip(3).position(|&c| c == '\'').map(|n| n + 4),
        (Some(_), Some('\'')) => Some(3),
        _ => None,
    }
}

/// The byte index of the brace closing the one at `open`.
pub(crate) fn closing_brace(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => return Some(open + i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Where the item starting at `start` ends: after its `;`, or after the brace closing its body.
/// Also whether it has a body. Braces and `;` inside `(...)` or `[...]` (a `[u8; 4]`) do not
/// count.
pub(crate) fn item_end(code: &str, start: usize) -> Option<(usize, bool)> {
    let mut depth = 0i32;
    for (i, c) in code[start..].char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ';' if depth == 0 => return Some((start + i + 1, false)),
            '{' if depth == 0 => return closing_brace(code, start + i).map(|end| (end + 1, true)),
            _ => {}
        }
    }
    None
}

/// `code` with every `#[cfg(test)]` item (a `mod tests { ... }`, a test-only `use`) blanked out.
pub(crate) fn without_test_items(code: &str) -> String {
    let mut code = code.to_owned();
    while let Some(start) = code.find("#[cfg(test)]") {
        let end = item_end(&code, start).map_or(code.len(), |(end, _)| end);
        let blank: String = code[start..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        code.replace_range(start..end, &blank);
    }
    code
}

/// The names of the modules declared `#[cfg(test)] mod NAME;`, their code in a file of its own.
pub(crate) fn test_module_declarations(code: &str) -> Vec<String> {
    let declaration = |start: usize| {
        let (end, has_body) = item_end(code, start)?;
        let item = &code[start..end];
        let at = keyword_indices(item, "mod").next()?;
        (!has_body).then(|| identifier_at(item[at + "mod".len()..].trim_start()).to_owned())
    };
    code.match_indices("#[cfg(test)]")
        .filter_map(|(start, _)| declaration(start))
        .collect()
}

/// The byte indices where the keyword `word` starts in `code`, as a whole word.
pub(crate) fn keyword_indices<'a>(code: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    code.match_indices(word).map(|(i, _)| i).filter(move |&i| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(is_identifier) && !after.is_some_and(is_identifier)
    })
}

pub(crate) fn identifier_at(code: &str) -> &str {
    let end = code.find(|c: char| !is_identifier(c)).unwrap_or(code.len());
    &code[..end]
}

pub(crate) fn line_of(code: &str, index: usize) -> usize {
    code[..index].matches('\n').count()
}
