use super::*;

fn array(entries: Vec<(PhpKey, PhpValue)>) -> PhpValue {
    PhpValue::Array(entries)
}

fn key(name: &str) -> PhpKey {
    PhpKey::of(name)
}

#[test]
fn reads_what_var_export_writes() {
    // var_export's layout: `array (`, keys on their own lines, a trailing comma, nested
    // arrays after `=> ` and a line break.
    let text = "<?php defined('MOODLE_INTERNAL') || die();\n $configuration = array (\n  'siteidentifier' => '95a9f8bc',\n  'stores' => \n  array (\n    'default_application' => \n    array (\n      'name' => 'default_application',\n      'configuration' => \n      array (\n      ),\n      'features' => 30,\n      'default' => true,\n    ),\n  ),\n  'modemappings' => \n  array (\n    0 => \n    array (\n      'mode' => 1,\n      'sort' => -1,\n    ),\n  ),\n);";
    let value = parse_assignment(text, "configuration").unwrap();
    assert_eq!(
        value,
        array(vec![
            (key("siteidentifier"), PhpValue::Str("95a9f8bc".into())),
            (
                key("stores"),
                array(vec![(
                    key("default_application"),
                    array(vec![
                        (key("name"), PhpValue::Str("default_application".into())),
                        (key("configuration"), array(vec![])),
                        (key("features"), PhpValue::Int(30)),
                        (key("default"), PhpValue::Bool(true)),
                    ])
                )])
            ),
            (
                key("modemappings"),
                array(vec![(
                    PhpKey::Int(0),
                    array(vec![
                        (key("mode"), PhpValue::Int(1)),
                        (key("sort"), PhpValue::Int(-1)),
                    ])
                )])
            ),
        ])
    );
    assert_eq!(
        value
            .get("stores")
            .and_then(|stores| stores.get("default_application"))
            .and_then(|store| store.get("features"))
            .map(PhpValue::as_int),
        Some(30)
    );
    assert_eq!(
        value
            .get("modemappings")
            .and_then(|list| list.get("0"))
            .map(PhpValue::is_array),
        Some(true)
    );
}

#[test]
fn reads_escapes_and_spliced_strings() {
    assert_eq!(
        parse_literal(r"'it\'s a \\ and c:\path'").unwrap(),
        PhpValue::Str(r"it's a \ and c:\path".into())
    );
    // var_export writes a NUL byte as a spliced double-quoted string.
    assert_eq!(
        parse_literal("'a' . \"\\0\" . 'b'").unwrap(),
        PhpValue::Str("a\0b".into())
    );
    assert_eq!(
        parse_literal(r#""tab\tnew\nline \x41\101 \$ \" \q""#).unwrap(),
        PhpValue::Str("tab\tnew\nline AA $ \" \\q".into())
    );
    assert_eq!(
        parse_literal("'é, ünïcode'").unwrap(),
        PhpValue::Str("é, ünïcode".into())
    );
}

#[test]
fn reads_scalars_in_any_case() {
    for (text, value) in [
        ("NULL", PhpValue::Null),
        ("null", PhpValue::Null),
        ("TRUE", PhpValue::Bool(true)),
        ("false", PhpValue::Bool(false)),
        ("42", PhpValue::Int(42)),
        ("-7", PhpValue::Int(-7)),
        ("1.5", PhpValue::Float(1.5)),
        ("1.0E+25", PhpValue::Float(1.0e25)),
        ("-0.25", PhpValue::Float(-0.25)),
        ("99999999999999999999", PhpValue::Float(1e20)),
    ] {
        assert_eq!(parse_literal(text).unwrap(), value, "{text}");
    }
}

#[test]
fn keys_follow_php() {
    // '8' is stored as the integer 8, '08' stays a string; a key-less entry takes the next
    // integer; a repeated key replaces the value in its place.
    let value =
        parse_literal("['8' => 'a', '08' => 'b', 'c', 'x' => 1, 'x' => 2, (object) ['y' => 3]]")
            .unwrap();
    assert_eq!(
        value,
        array(vec![
            (PhpKey::Int(8), PhpValue::Str("a".into())),
            (PhpKey::Str("08".into()), PhpValue::Str("b".into())),
            (PhpKey::Int(9), PhpValue::Str("c".into())),
            (key("x"), PhpValue::Int(2)),
            (PhpKey::Int(10), array(vec![(key("y"), PhpValue::Int(3))])),
        ])
    );
    assert_eq!(value.get("8"), Some(&PhpValue::Str("a".into())));
    assert_eq!(PhpKey::of("-3"), PhpKey::Int(-3));
    assert_eq!(PhpKey::of("-0"), PhpKey::Str("-0".into()));
    assert_eq!(PhpKey::of(""), PhpKey::Str(String::new()));
}

#[test]
fn casts_like_php() {
    assert_eq!(PhpValue::Str("12abc".into()).as_int(), 12);
    assert_eq!(PhpValue::Str(" 3".into()).as_int(), 3);
    assert_eq!(PhpValue::Str("x".into()).as_int(), 0);
    assert_eq!(PhpValue::Bool(true).as_int(), 1);
    assert!(!PhpValue::Str("0".into()).truthy());
    assert!(PhpValue::Str("00".into()).truthy());
    assert!(!PhpValue::Array(vec![]).truthy());
    assert_eq!(PhpValue::Int(5).as_string().as_deref(), Some("5"));
}

#[test]
fn refuses_what_is_not_a_literal() {
    for (text, line, message) in [
        ("array (\n  'a' => 1,\n", 3, "expected a PHP literal"),
        ("'open", 1, "unterminated string"),
        (
            "\\core\\thing::__set_state(array())",
            1,
            "expected a PHP literal",
        ),
        ("\"$CFG->dataroot\"", 1, "with a variable"),
        ("array ('a' => 1 'b' => 2)", 1, "expected , or )"),
        ("[1] x", 1, "unexpected text"),
    ] {
        let error = parse_literal(text).unwrap_err();
        assert_eq!(error.line, line, "{text}: {error}");
        assert!(error.message.contains(message), "{text}: {error}");
    }
    let error = parse_assignment("<?php $other = 1;", "configuration").unwrap_err();
    assert!(
        error.message.contains("no assignment to $configuration"),
        "{error}"
    );
    let error = parse_assignment("<?php $configuration = array()", "configuration").unwrap_err();
    assert!(error.message.contains("expected ;"), "{error}");
    // `$configurations` is another variable; a comparison is not an assignment.
    assert_eq!(
        parse_assignment(
            "<?php $configurations = 1; if ($configuration == 2) {} $configuration = 3;",
            "configuration"
        )
        .unwrap(),
        PhpValue::Int(3)
    );
}
