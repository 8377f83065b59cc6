//! A caught panic as one line of text.

/// The first line of a caught panic's message ("panic" if it carries no
/// text): what a bug in a parser or decoder shows in the one-line error of
/// the file that set it off.
///
/// Thread: any non-real-time thread. Allocates the text.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str)).unwrap_or("panic");
    text.lines().next().unwrap_or("panic").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn panic_text_is_the_first_line_of_the_message_or_panic() {
        let caught = |f: fn()| std::panic::catch_unwind(f).unwrap_err();
        let formatted = caught(|| panic!("bad {}\nsecond line", 1));
        let literal = caught(|| panic!("literal"));
        let other = caught(|| std::panic::panic_any(7_u32));
        assert_eq!(super::panic_text(&*formatted), "bad 1");
        assert_eq!(super::panic_text(&*literal), "literal");
        assert_eq!(super::panic_text(&*other), "panic");
    }
}
