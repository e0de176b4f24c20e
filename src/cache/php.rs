//! The PHP literals Moodle writes with `var_export`: arrays (`array (…)` and `[…]`), strings
//! (single-quoted, and the double-quoted `"\0"` var_export splices in), integers, floats,
//! booleans and `NULL`. This reads `<dataroot>/muc/config.php` without running PHP: the file
//! is Moodle's cache configuration, `$configuration = array (…);`. Pure: text in, values out.

use std::fmt;

/// A PHP value of the literal subset.
#[derive(Debug, Clone, PartialEq)]
pub enum PhpValue {
    /// `NULL`.
    Null,
    /// `true`, `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (PHP strings are bytes; Moodle's configuration is UTF-8).
    Str(String),
    /// An array, its entries in order.
    Array(Vec<(PhpKey, PhpValue)>),
}

/// An array key. PHP turns a string key that is a canonical decimal integer (`'8'`) into the
/// integer, so the same is done here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhpKey {
    /// An integer key.
    Int(i64),
    /// A string key.
    Str(String),
}

impl PhpKey {
    /// The key PHP stores for the string `key`.
    pub fn of(key: &str) -> PhpKey {
        let canonical = key == "0"
            || (!key.starts_with('0')
                && !key.starts_with("-0")
                && key
                    .strip_prefix('-')
                    .unwrap_or(key)
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && !key.strip_prefix('-').unwrap_or(key).is_empty());
        match key.parse::<i64>() {
            Ok(number) if canonical => PhpKey::Int(number),
            _ => PhpKey::Str(key.to_owned()),
        }
    }
}

impl fmt::Display for PhpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhpKey::Int(number) => write!(f, "{number}"),
            PhpKey::Str(text) => write!(f, "{text}"),
        }
    }
}

impl PhpValue {
    /// The entry of an array under `key`, if this is an array that has it.
    pub fn get(&self, key: &str) -> Option<&PhpValue> {
        let key = PhpKey::of(key);
        self.entries()
            .iter()
            .rev()
            .find(|(found, _)| *found == key)
            .map(|(_, value)| value)
    }

    /// The entries of an array; none for any other value.
    pub fn entries(&self) -> &[(PhpKey, PhpValue)] {
        match self {
            PhpValue::Array(entries) => entries,
            _ => &[],
        }
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, PhpValue::Array(_))
    }

    /// The value as PHP's `(string)` cast gives it, for scalars.
    pub fn as_string(&self) -> Option<String> {
        match self {
            PhpValue::Str(text) => Some(text.clone()),
            PhpValue::Int(number) => Some(number.to_string()),
            PhpValue::Bool(true) => Some("1".into()),
            PhpValue::Bool(false) | PhpValue::Null => Some(String::new()),
            PhpValue::Float(number) => Some(number.to_string()),
            PhpValue::Array(_) => None,
        }
    }

    /// The value as PHP's `(int)` cast gives it: a string's leading integer, a float
    /// truncated, a boolean as 0 or 1.
    pub fn as_int(&self) -> i64 {
        match self {
            PhpValue::Int(number) => *number,
            PhpValue::Bool(value) => i64::from(*value),
            PhpValue::Null => 0,
            PhpValue::Float(number) => *number as i64,
            PhpValue::Str(text) => {
                let text = text.trim_start();
                let end = text
                    .char_indices()
                    .find(|(at, c)| !(c.is_ascii_digit() || (*at == 0 && (*c == '-' || *c == '+'))))
                    .map_or(text.len(), |(at, _)| at);
                text[..end].parse().unwrap_or(0)
            }
            PhpValue::Array(entries) => i64::from(!entries.is_empty()),
        }
    }

    /// Whether PHP's `empty()` is false for it (`!empty($value)`).
    pub fn truthy(&self) -> bool {
        match self {
            PhpValue::Null => false,
            PhpValue::Bool(value) => *value,
            PhpValue::Int(number) => *number != 0,
            PhpValue::Float(number) => *number != 0.0,
            PhpValue::Str(text) => !(text.is_empty() || text == "0"),
            PhpValue::Array(entries) => !entries.is_empty(),
        }
    }
}

/// Why a text is not a literal of the subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The line (from 1) where reading stopped.
    pub line: usize,
    /// What was expected or found there.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Reads the value assigned to `$variable` in a PHP file's text (`$configuration = array
/// (…);`). What comes before the assignment (`<?php defined('MOODLE_INTERNAL') || die();`)
/// is not read.
pub fn parse_assignment(text: &str, variable: &str) -> Result<PhpValue, ParseError> {
    let name = format!("${variable}");
    let mut from = 0;
    let start = loop {
        let Some(at) = text[from..].find(&name).map(|at| at + from) else {
            return Err(ParseError {
                line: text.matches('\n').count() + 1,
                message: format!("no assignment to {name}"),
            });
        };
        let after = at + name.len();
        let rest = &text[after..];
        let next = rest.chars().next();
        if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            from = after;
            continue;
        }
        let trimmed = rest.trim_start();
        if trimmed.starts_with('=') && !trimmed.starts_with("==") && !trimmed.starts_with("=>") {
            break text.len() - trimmed.len() + 1;
        }
        from = after;
    };
    let mut parser = Parser { text, at: start };
    let value = parser.value()?;
    parser.skip_space();
    if !parser.eat(";") {
        return Err(parser.error("expected ; after the value"));
    }
    Ok(value)
}

/// What PHP's `serialize()` makes of an integer: `i:3;`.
pub fn serialize_int(value: i64) -> String {
    format!("i:{value};")
}

/// Reads one literal, the whole of `text`.
pub fn parse_literal(text: &str) -> Result<PhpValue, ParseError> {
    let mut parser = Parser { text, at: 0 };
    let value = parser.value()?;
    parser.skip_space();
    if parser.at < text.len() {
        return Err(parser.error("unexpected text after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn error(&self, message: &str) -> ParseError {
        let found: String = self.rest().chars().take(20).collect();
        ParseError {
            line: self.text[..self.at].matches('\n').count() + 1,
            message: if found.is_empty() {
                format!("{message}, found the end of the file")
            } else {
                format!("{message}, found {found:?}")
            },
        }
    }

    /// Skips white space and comments.
    fn skip_space(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            if trimmed.starts_with("//") || trimmed.starts_with('#') {
                self.at += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(comment) = trimmed.strip_prefix("/*") {
                self.at += 2 + comment.find("*/").map_or(comment.len(), |end| end + 2);
            } else {
                return;
            }
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    /// A word (`array`, `true`, `NULL`), case-insensitive, not followed by a word character.
    fn eat_word(&mut self, word: &str) -> bool {
        let rest = self.rest();
        if rest.len() >= word.len()
            && rest.is_char_boundary(word.len())
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && !rest[word.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<PhpValue, ParseError> {
        self.skip_space();
        if self.eat_word("array") {
            self.skip_space();
            if !self.eat("(") {
                return Err(self.error("expected ( after array"));
            }
            return self.entries(")");
        }
        if self.eat("[") {
            return self.entries("]");
        }
        if self.rest().starts_with("(object)") {
            // var_export writes a stdClass as `(object) array(…)`: read as the array.
            self.at += "(object)".len();
            return self.value();
        }
        if self.eat_word("true") {
            return Ok(PhpValue::Bool(true));
        }
        if self.eat_word("false") {
            return Ok(PhpValue::Bool(false));
        }
        if self.eat_word("null") {
            return Ok(PhpValue::Null);
        }
        if self.rest().starts_with(['\'', '"']) {
            let mut text = self.string()?;
            // var_export splices characters it cannot write in single quotes: 'a' . "\0" . 'b'.
            loop {
                let mark = self.at;
                self.skip_space();
                if self.eat(".") {
                    self.skip_space();
                    if self.rest().starts_with(['\'', '"']) {
                        text.push_str(&self.string()?);
                        continue;
                    }
                    return Err(self.error("expected a string after ."));
                }
                self.at = mark;
                return Ok(PhpValue::Str(text));
            }
        }
        if self
            .rest()
            .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
        {
            return self.number();
        }
        Err(self.error("expected a PHP literal (array, string, number, true, false or NULL)"))
    }

    fn entries(&mut self, close: &str) -> Result<PhpValue, ParseError> {
        let mut entries: Vec<(PhpKey, PhpValue)> = Vec::new();
        let mut next_index: i64 = 0;
        loop {
            self.skip_space();
            if self.eat(close) {
                return Ok(PhpValue::Array(entries));
            }
            let first = self.value()?;
            self.skip_space();
            let (key, value) = if self.eat("=>") {
                let key = match first {
                    PhpValue::Int(number) => PhpKey::Int(number),
                    PhpValue::Str(text) => PhpKey::of(&text),
                    PhpValue::Bool(value) => PhpKey::Int(i64::from(value)),
                    PhpValue::Null => PhpKey::Str(String::new()),
                    PhpValue::Float(number) => PhpKey::Int(number as i64),
                    PhpValue::Array(_) => return Err(self.error("an array cannot be a key")),
                };
                (key, self.value()?)
            } else {
                (PhpKey::Int(next_index), first)
            };
            if let PhpKey::Int(number) = key {
                next_index = next_index.max(number.saturating_add(1));
            }
            // A repeated key replaces the earlier value, in its place.
            match entries.iter_mut().find(|(found, _)| *found == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
            self.skip_space();
            if self.eat(",") {
                continue;
            }
            if self.eat(close) {
                return Ok(PhpValue::Array(entries));
            }
            return Err(self.error(&format!("expected , or {close} in an array")));
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let quote = self.rest().chars().next().expect("a quote");
        let start = self.at;
        self.at += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        loop {
            let Some((offset, c)) = chars.next() else {
                self.at = start;
                return Err(self.error("unterminated string"));
            };
            match c {
                c if c == quote => {
                    self.at += offset + 1;
                    return Ok(out);
                }
                '\\' => {
                    let Some((_, escaped)) = chars.next() else {
                        self.at = start;
                        return Err(self.error("unterminated string"));
                    };
                    if quote == '\'' {
                        match escaped {
                            '\\' | '\'' => out.push(escaped),
                            other => {
                                out.push('\\');
                                out.push(other);
                            }
                        }
                        continue;
                    }
                    match escaped {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'v' => out.push('\u{0b}'),
                        'e' => out.push('\u{1b}'),
                        'f' => out.push('\u{0c}'),
                        '\\' | '$' | '"' => out.push(escaped),
                        '0'..='7' => {
                            let mut value = escaped.to_digit(8).expect("octal");
                            for _ in 0..2 {
                                let mut ahead = chars.clone();
                                match ahead.next() {
                                    Some((_, digit @ '0'..='7')) => {
                                        value = value * 8 + digit.to_digit(8).expect("octal");
                                        chars = ahead;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(char::from_u32(value & 0xff).unwrap_or('\u{fffd}'));
                        }
                        'x' => {
                            let mut value = 0;
                            let mut digits = 0;
                            while digits < 2 {
                                let mut ahead = chars.clone();
                                match ahead.next() {
                                    Some((_, digit)) if digit.is_ascii_hexdigit() => {
                                        value = value * 16 + digit.to_digit(16).expect("hex");
                                        chars = ahead;
                                        digits += 1;
                                    }
                                    _ => break,
                                }
                            }
                            if digits == 0 {
                                out.push_str("\\x");
                            } else {
                                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                            }
                        }
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                '$' if quote == '"'
                    && chars.clone().next().is_some_and(|(_, next)| {
                        next.is_ascii_alphabetic() || next == '_' || next == '{'
                    }) =>
                {
                    self.at += offset;
                    return Err(
                        self.error("a double-quoted string with a variable is not a literal")
                    );
                }
                other => out.push(other),
            }
        }
    }

    fn number(&mut self) -> Result<PhpValue, ParseError> {
        let rest = self.rest();
        let mut end = 0;
        let bytes = rest.as_bytes();
        if matches!(bytes.first(), Some(b'-' | b'+')) {
            end += 1;
        }
        let digits_start = end;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        let mut float = false;
        if end < bytes.len() && bytes[end] == b'.' {
            float = true;
            end += 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
        }
        if end < bytes.len() && (bytes[end] == b'e' || bytes[end] == b'E') {
            let mut exponent = end + 1;
            if exponent < bytes.len() && (bytes[exponent] == b'-' || bytes[exponent] == b'+') {
                exponent += 1;
            }
            if exponent < bytes.len() && bytes[exponent].is_ascii_digit() {
                float = true;
                end = exponent;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
            }
        }
        if end == digits_start {
            return Err(self.error("expected a number"));
        }
        let literal = &rest[..end];
        let value = if float {
            literal.parse().map(PhpValue::Float).ok()
        } else {
            literal
                .parse()
                .map(PhpValue::Int)
                .ok()
                // Past the integer range PHP reads a float.
                .or_else(|| literal.parse().map(PhpValue::Float).ok())
        };
        match value {
            Some(value) => {
                self.at += end;
                Ok(value)
            }
            None => Err(self.error("expected a number")),
        }
    }
}

#[cfg(test)]
mod tests;
