"""Pictures and other syntaxes from the diagram model.

fonts (text measurement) -> columns (x of each lifeline) -> layout (shapes)
-> svg / png drawers; online (the websequencediagrams.com API); export
(PlantUML, Mermaid); batch (files in, pictures out).
"""
