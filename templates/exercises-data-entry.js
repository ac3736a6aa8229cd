{{ entry.script | safe }},
