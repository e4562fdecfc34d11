use std::collections::BTreeMap;

/// Messages per field, the body of a 422 answer: `{"errors": {"title": ["can't be blank"]}}`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Collects every field's parse error so that one answer names all of them.
#[derive(Default)]
pub struct Validator {
    errors: FieldErrors,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field<T>(&mut self, name: &str, parsed: Result<T, String>) -> Option<T> {
        parsed
            .map_err(|message| {
                self.errors
                    .entry(name.to_string())
                    .or_default()
                    .push(message)
            })
            .ok()
    }

    /// A field the client may leave out: `None` when absent (or invalid, which `finish` reports).
    pub fn optional<T>(&mut self, name: &str, parsed: Option<Result<T, String>>) -> Option<T> {
        parsed.and_then(|p| self.field(name, p))
    }

    /// `build` assembles the value from the parsed fields; it only runs when every field parsed.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if self.errors.is_empty() {
            build().ok_or(self.errors)
        } else {
            Err(self.errors)
        }
    }
}
