"""One module per API operation, grouped by area; every module has the same shape.

``_get_kwargs`` builds the request (validating arguments first), ``_parse_response``
decodes the body, ``_build_response`` wraps it, then the public ``asyncio_detailed``
(returns :class:`~synerise_async.Response`) and ``asyncio`` (returns the model). List
operations add ``paginate``.
"""
