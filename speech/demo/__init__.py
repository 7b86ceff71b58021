"""The Gradio demo: clone a voice into another language, with an emotion and an accent.

Modules (importing this package pulls in nothing heavy):

- :mod:`speech.demo.config`: :class:`~speech.demo.config.DemoConfig`, the limits and defaults of the page;
- :mod:`speech.demo.reference`: checks that a reference clip is usable speech (and trims it);
- :mod:`speech.demo.contours`: pitch and energy contours and their plot;
- :mod:`speech.demo.service`: the work behind the page, without Gradio (testable as plain functions);
- :mod:`speech.demo.examples`: the example reference clips in ``demo/examples/`` and how they are made;
- :mod:`speech.demo.app`: :func:`~speech.demo.app.build_app`, the ``gr.Blocks`` page;
- :mod:`speech.demo.cli`: ``speech demo``.
"""
