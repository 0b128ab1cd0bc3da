"""The contract: the vignette fields, their validation, the shared feature encoding, the
condition language the definition files are written in, and the recommendation scale.

The bottom layer of zaro: nothing here imports from the engine, the results or the faces.
"""
