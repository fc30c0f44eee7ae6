"""The language-model half of amalgam-rel: text, key-like strings and nested values.

:class:`~amalgam_rel.generation.text_model.TextFieldModel` is the entry point; the modules
under it are usable alone (output types, learned patterns, prompts, tokenizer, LM training,
CHECK validation, copy guard). See ``docs/language-model.md``.
"""
