//! The standard library: `.pipe` sources embedded in the binary, imported
//! as `std/NAME`.

/// Every stdlib module as (import name, source text).
pub const MODULES: &[(&str, &str)] = &[
    ("std/aws", include_str!("../stdlib/aws.pipe")),
    ("std/calendars", include_str!("../stdlib/calendars.pipe")),
];

/// The source of a stdlib module by its import name, e.g. `std/aws`.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES
        .iter()
        .find(|(module_name, _)| *module_name == name)
        .map(|(_, text)| *text)
}
