package jp.co.panasonic.smarthems.core

import com.sun.jna.Library
import com.sun.jna.Native
import java.io.File
import java.nio.file.Files
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test

/**
 * The same library through plain JNA, past UniFFI's generated code: the contract-version function
 * every UniFFI library exports (no arguments, returns a number; the generated code calls it once
 * when it loads). Direct mapping, as the generated code uses.
 */
internal object PlainDirect {
    init {
        Native.register(PlainDirect::class.java, "smarthems")
    }

    external fun ffi_smarthems_uniffi_contract_version(): Int
}

/** The same function through JNA's interface mapping (a proxy per call: JNA's classic, slower path). */
internal interface PlainProxy : Library {
    fun ffi_smarthems_uniffi_contract_version(): Int
}

/**
 * What a call across the Kotlin/Rust boundary costs on the JVM (issue 13): a plain JNA call into
 * the library against a trivial UniFFI call, and a whole tap with and without a subscribed
 * listener (a tap returns nothing: its screen crosses once, to the listener) beside `screen()`,
 * one screen crossing alone.
 *
 * Not a test: tagged `bench`, which `mvn test` leaves out (pom.xml); `scripts/bench.sh` runs it
 * against the release library and prints one `kotlin|what|median ns|p99 ns` line per figure.
 * Nothing is asserted about time.
 */
@Tag("bench")
class BoundaryBench {
    private val rounds = System.getProperty("smarthems.bench.rounds")?.toIntOrNull() ?: 2_000

    /** Median and 99th percentile of `rounds` samples, each `batch` calls long, per call, in ns. */
    private fun measure(what: String, batch: Int, warmUp: Int, call: (Int) -> Unit): Pair<Double, Double> {
        repeat(warmUp) { call(it) }
        val samples = DoubleArray(rounds) { round ->
            val start = System.nanoTime()
            for (i in 0 until batch) call(round * batch + i)
            (System.nanoTime() - start).toDouble() / batch
        }
        samples.sort()
        val median = samples[samples.size / 2]
        val p99 = samples[minOf(samples.size * 99 / 100, samples.size - 1)]
        println("kotlin|$what|${"%.0f".format(median)}|${"%.0f".format(p99)}")
        return median to p99
    }

    private fun ratio(what: String, over: Double, under: Double) =
        println("kotlin-ratio|$what|${"%.1f".format(over / under)}")

    @Test
    fun `the boundary's cost`() = runBlocking {
        val proxy = Native.load("smarthems", PlainProxy::class.java)
        // Loads the generated bindings (and their checksum checks) before anything is timed.
        initLogging("off")
        val sink = AtomicInteger()
        // Cheap calls are timed 100 at a time: one call is near the timer's own resolution.
        val direct = measure("plain JNA call (direct mapping), per call", 100, 200_000) {
            sink.addAndGet(PlainDirect.ffi_smarthems_uniffi_contract_version())
        }
        val viaProxy = measure("plain JNA call (interface mapping), per call", 100, 50_000) {
            sink.addAndGet(proxy.ffi_smarthems_uniffi_contract_version())
        }
        // `initLogging` after the first call does nothing in Rust: what is left is UniFFI's own
        // work (the string lowered into a Rust buffer, the call status checked).
        val trivial = measure("trivial UniFFI call (initLogging), per call", 100, 50_000) { initLogging("off") }
        ratio("trivial UniFFI call / plain JNA call (direct mapping)", trivial.first, direct.first)
        ratio("trivial UniFFI call / plain JNA call (interface mapping)", trivial.first, viaProxy.first)

        SimCloud().use { sim ->
            val dir = Files.createTempDirectory("smarthems-bench").toFile()
            try {
                taps(sim, dir)
            } finally {
                dir.deleteRecursively()
            }
        }
        println("kotlin-sink|${sink.get()}")
    }

    /** A keystroke in the nickname field (0 devices yet): a tap that changes the state and saves it. */
    private suspend fun taps(sim: SimCloud, dir: File) {
        val phone = Phone()
        SmartHems(appConfig(sim.issuer, sim.apiBase, dir), phone, Keychain()).use { app ->
            suspend fun press(label: String) = app.tap(app.screen().button(label)!!.action)
            app.start()
            press("CLUB Panasonic ログイン画面へ")
            app.openUrl(logInInBrowser(phone.opened.last()))
            press("同意する")
            press("はい")
            check(app.screen().title == "ニックネーム登録")
            val keys = listOf(Action.EditNickname("たろう"), Action.EditNickname("たろ"))
            val tapWarmUp = 300
            val screen = measure("screen() returning the screen", 1, tapWarmUp) { app.screen() }
            val alone = measure("tap, no listener (no screen crosses)", 1, tapWarmUp) {
                runBlocking { app.tap(keys[it % 2]) }
            }
            val heard = AtomicInteger()
            val subscription = app.subscribe(object : ScreenListener {
                override fun onScreen(view: ScreenView) {
                    heard.incrementAndGet()
                }
            })
            // A tap returns once its screen has reached the listeners (event_loop.rs), so the
            // screen's one crossing is inside this figure: what a phone's tap costs.
            val withListener = subscription.use {
                measure("tap, its screen to one listener", 1, tapWarmUp) {
                    runBlocking { app.tap(keys[it % 2]) }
                }
            }
            check(heard.get() > rounds) { "the listener heard ${heard.get()} screens" }
            ratio("tap with a listener / tap without", withListener.first, alone.first)
            ratio("tap with a listener / screen()", withListener.first, screen.first)
        }
    }
}
