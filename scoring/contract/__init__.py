"""The contract: the vignette fields, their validation, the shared feature encoding, the
condition language the definition files are written in, and the recommendation scale.

The bottom layer of zaro: nothing here imports from the engine, the results or the faces.
Users import from the two façades, :mod:`scoring.contract.schema` (fields, ``Vignette``,
validation, strict JSON) and :mod:`scoring.contract.features` (the encoding and the
condition language); the parts behind them are ``fields``, ``readers``, ``errors``,
``vignette``, ``frame``, ``json_input``, ``encoding``, ``conditions`` and ``recommendation``.
"""
