"""The pipecat 1.14 phone bot the benchmark compares Karla with.

    bench/.venv-pipecat/bin/python -m bench.pipecat_bot --host 127.0.0.1 --port P

Built the way pipecat's Twilio examples and its development runner build one: a FastAPI
app served by uvicorn; each `/twilio` WebSocket is parsed with pipecat's own
`parse_telephony_websocket`, gets a `TwilioFrameSerializer` and a
`FastAPIWebsocketTransport`, and runs its own pipeline

    transport.input() -> STT -> user aggregator -> LLM -> TTS -> transport.output()
        -> assistant aggregator

with `LLMContextAggregatorPair` over an `LLMContext`, in a `PipelineWorker` run by a
`WorkerRunner`. Configuration choices (each the lightest pipecat offers, see
bench/README.md): 8 kHz in and out (no resampling), no VAD analyser and no smart-turn
model (the fake STT drives turns, like Deepgram Flux, through `ExternalUserTurnStrategies`),
RTVI off (a phone has no RTVI client), metrics off, turn tracking and the idle-timeout
observer off, the STT not passing the caller's audio on (nothing downstream uses it), 20 ms
output chunks (Twilio's frame), logging at WARNING.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn
from fastapi import FastAPI, WebSocket
from loguru import logger
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)
from pipecat.turns.user_turn_strategies import ExternalUserTurnStrategies
from pipecat.workers.runner import WorkerRunner

from bench.pipecat_bot.services import (
    FixedReplyLLMService,
    OneSecondTTSService,
    SentinelSTTService,
)

SAMPLE_RATE = 8000
SYSTEM_PROMPT = "Eres Karla, una asistente telefónica. Responde en una frase."

app = FastAPI()


@app.websocket("/twilio")
async def twilio_stream(websocket: WebSocket) -> None:
    await websocket.accept()
    _transport_type, call_data = await parse_telephony_websocket(websocket)
    serializer = TwilioFrameSerializer(
        stream_sid=call_data["stream_id"],
        call_sid=call_data["call_id"],
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket=websocket,
        params=FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            audio_out_10ms_chunks=2,
            add_wav_header=False,
            serializer=serializer,
        ),
    )
    await run_bot(transport)


async def run_bot(transport: FastAPIWebsocketTransport) -> None:
    # Nothing after the STT consumes the caller's audio, so it is not passed on (pipecat's
    # default passes every input frame through every later processor).
    stt = SentinelSTTService(audio_passthrough=False)
    llm = FixedReplyLLMService()
    tts = OneSecondTTSService()
    context = LLMContext([{"role": "system", "content": SYSTEM_PROMPT}])
    aggregators = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(user_turn_strategies=ExternalUserTurnStrategies()),
    )
    pipeline = Pipeline(
        [
            transport.input(),
            stt,
            aggregators.user(),
            llm,
            tts,
            transport.output(),
            aggregators.assistant(),
        ]
    )
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=SAMPLE_RATE,
            audio_out_sample_rate=SAMPLE_RATE,
        ),
        enable_rtvi=False,
        # Each observer gets every frame through its own queue and task: turn tracking
        # feeds tracing (off here), the idle timeout watches for a stuck call (the
        # carrier's hang-up ends a phone call).
        enable_turn_tracking=False,
        idle_timeout_secs=None,
    )

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(_transport: object, _websocket: object) -> None:
        await worker.cancel()

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    await runner.run()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pipecat_bot")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level=args.log_level)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
