"""People, contacts and places: semantic types of text columns (:mod:`.detect`) and their generator (:mod:`.generate`)."""
