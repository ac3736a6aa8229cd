window.exguideSearch.loaded({{ kind | tojson }}, {{ shard | tojson }}, {{ data | safe }});
