"""The WSD language: one diagram model, its parser, emitter, diff and lint."""
