"""Reading received messages: MIME structure, text, quoting, bounces, automatic replies.
Pure Python (the standard library's e-mail package and nh3); no Django.

`parse.parse` turns the bytes of one message into a `ParsedMessage`; `headers`, `text` and
`bounces` are the parts it is made of.
"""
