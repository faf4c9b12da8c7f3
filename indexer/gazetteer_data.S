/* The gazetteer's TSV files (data/), compiled into the program so that it
 * needs no data files at run time.  Each is NUL-terminated. */
    .section .rodata
    .global gaz_places_tsv, gaz_demonyms_tsv, gaz_first_names_tsv
    .global gaz_orgs_tsv, gaz_titles_tsv, gaz_nonentities_tsv
    .global gaz_entity_model_tsv, gaz_word_case_tsv
gaz_places_tsv:
    .incbin "data/places.tsv"
    .byte 0
gaz_demonyms_tsv:
    .incbin "data/demonyms.tsv"
    .byte 0
gaz_first_names_tsv:
    .incbin "data/first_names.tsv"
    .byte 0
gaz_orgs_tsv:
    .incbin "data/orgs.tsv"
    .byte 0
gaz_titles_tsv:
    .incbin "data/titles.tsv"
    .byte 0
gaz_nonentities_tsv:
    .incbin "data/nonentities.tsv"
    .byte 0
gaz_word_case_tsv:
    .incbin "data/word_case.tsv"
    .byte 0
gaz_entity_model_tsv:
    .incbin "data/entity_model.tsv"
    .byte 0
    .section .note.GNU-stack,"",@progbits
