package jp.co.panasonic.smarthems.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.SideEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.toAwtImage
import javax.imageio.IIOImage
import javax.imageio.ImageIO
import javax.imageio.ImageWriteParam
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.assertIsEnabled
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.assertIsOff
import androidx.compose.ui.test.assertIsOn
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasScrollToNodeAction
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.isHeading
import androidx.compose.ui.test.isToggleable
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performScrollToKey
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.unit.Density
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import java.util.concurrent.Future
import jp.co.panasonic.smarthems.core.Action
import jp.co.panasonic.smarthems.core.Button
import jp.co.panasonic.smarthems.core.Screen
import jp.co.panasonic.smarthems.core.ScreenListener
import jp.co.panasonic.smarthems.core.ScreenView
import jp.co.panasonic.smarthems.core.SmartHems
import jp.co.panasonic.smarthems.core.screens
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue

/** How long the test waits for the core before calling it hung: answers take milliseconds, CI machines stall. */
const val PATIENCE_MS = 30_000L

/** A phone's screen: 412 × 892 dp at density 2 (824 × 1784 px). */
const val WIDTH_PX = 824
const val HEIGHT_PX = 1784
const val DENSITY = 2f

/** How each screen is rendered: as is, at the largest system font size (Android's 200 %), and dark. */
enum class Variant(val suffix: String, val fontScale: Float, val dark: Boolean) {
    Normal("", 1f, false),
    LargestFont("-largest-font", 2f, false),
    Dark("-dark", 1f, true),
}

/** The PNGs written, for the index. */
class Gallery(val dir: File) {
    class Shot(val file: String, val flow: String, val kind: String, val title: String, val variant: Variant)
    val shots = CopyOnWriteArrayList<Shot>()
    /** PNGs are encoded on another thread while the test goes on (the test mostly waits for the core). */
    private val encoder = Executors.newSingleThreadExecutor()
    private val written = CopyOnWriteArrayList<Future<*>>()
    @Volatile var encodeNanos = 0L

    fun write(image: ImageBitmap, file: File) {
        written += encoder.submit {
            val start = System.nanoTime()
            writePng(image.toAwtImage(), file)
            encodeNanos += System.nanoTime() - start
        }
    }

    /** Waits for every PNG to be written (and fails if one could not be). */
    fun finish() {
        written.forEach { it.get() }
        encoder.shutdown()
    }
    private var number = 0

    fun next(): Int = ++number

    /** `index.md`: one row per screen with its three renders, relative links for the QA report. */
    fun writeIndex() {
        val rows = shots.groupBy { it.file.substringBefore('.').removeSuffix(Variant.LargestFont.suffix).removeSuffix(Variant.Dark.suffix) }
        val text = buildString {
            appendLine("# Screens of the Android shell, rendered from the real core")
            appendLine()
            appendLine("Rendered by android/ui's screenshot test (Compose for Desktop, the shell's composables, the core")
            appendLine("over JNA against the simulated cloud). ${rows.size} screens, ${shots.size} PNGs; $WIDTH_PX × $HEIGHT_PX px")
            appendLine("(412 × 892 dp at density ${DENSITY.toInt()}). Desktop text has no phrase-based Japanese line breaking,")
            appendLine("which Android 13+ applies (LineBreak.WordBreak.Phrase).")
            appendLine()
            appendLine("| # | flow | screen kind | title | normal | largest font (200 %) | dark |")
            appendLine("|---|---|---|---|---|---|---|")
            rows.forEach { (stem, shots) ->
                val first = shots.first()
                fun link(variant: Variant) = shots.firstOrNull { it.variant == variant }?.let { "[png](${it.file})" } ?: "—"
                appendLine(
                    "| ${stem.substringBefore('-')} | ${first.flow} | ${first.kind} | ${first.title.replace("|", "\\|")} | " +
                        "${link(Variant.Normal)} | ${link(Variant.LargestFont)} | ${link(Variant.Dark)} |",
                )
            }
        }
        File(dir, "index.md").writeText(text)
        File(dir, "index.txt").writeText(shots.joinToString("\n", postfix = "\n") { it.file })
    }
}

/**
 * A PNG with light compression: ImageIO's default (the strongest deflate level) took a third of the
 * test's time for files barely smaller.
 */
fun writePng(image: java.awt.image.BufferedImage, file: File) {
    val writer = ImageIO.getImageWritersByFormatName("png").next()
    val param = writer.defaultWriteParam.apply {
        compressionMode = ImageWriteParam.MODE_EXPLICIT
        compressionQuality = 0.75f // deflate level 2 of 9
    }
    ImageIO.createImageOutputStream(file).use { out ->
        writer.output = out
        writer.write(null, IIOImage(image, null, null), param)
    }
    writer.dispose()
}

/** The screen kind as a file name part: `Welcome`, `Busy-SigningIn`, `Problem-SERVICE_TROUBLE`. */
fun kindOf(screen: Screen): String = when (screen) {
    is Screen.Busy -> "Busy-${screen.activity::class.simpleName}"
    is Screen.Problem -> "Problem-${screen.problem}"
    else -> screen::class.simpleName ?: "Screen"
}

/**
 * What the Android activity does, on the desktop: the current screen from the core's Flow, taps
 * sent to the core in order ([MainActivity] and the app's `SmartHemsApp` do the same on a phone).
 */
class Host(val core: SmartHems) : AutoCloseable {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    /** The view the UI last composed. */
    @Volatile var shown: ScreenView? = null
    /** Every view the core announced, in order (Busy screens pass too fast to be caught on screen). */
    val announced = CopyOnWriteArrayList<ScreenView>()
    private val subscription = core.subscribe(object : ScreenListener {
        override fun onScreen(view: ScreenView) {
            announced += view
        }
    })
    /** Every action the UI sent. */
    val sent = CopyOnWriteArrayList<Action>()
    /** A recorded view to render instead of the live one. */
    var frozen by mutableStateOf<ScreenView?>(null)

    fun send(action: Action) {
        sent += action
        // Started on the caller's thread, so actions reach the core in the order they were sent.
        scope.launch(start = CoroutineStart.UNDISPATCHED) { core.tap(action) }
    }

    /** Lets taps in flight finish (a destroyed core must not be called back), then drops the core. */
    override fun close() {
        subscription.close()
        runBlocking {
            withTimeoutOrNull(PATIENCE_MS) { scope.coroutineContext[Job]!!.children.forEach { it.join() } }
        }
        scope.cancel()
        core.close()
    }
}

@OptIn(ExperimentalTestApi::class)
class Stage(val ui: SkikoComposeUiTest, private val gallery: Gallery, private val flow: String) {
    private var host by mutableStateOf<Host?>(null)
    private var variant by mutableStateOf(Variant.Normal)
    val captured = mutableListOf<String>()

    init {
        ui.setContent { Content() }
    }

    @Composable
    private fun Content() {
        val current = host ?: return
        key(current) {
            val live by remember { current.core.screens() }.collectAsState(current.core.screen())
            val view = current.frozen ?: live
            SideEffect { current.shown = view }
            CompositionLocalProvider(LocalDensity provides Density(DENSITY, variant.fontScale)) {
                SmartHemsTheme(dark = variant.dark) {
                    SmartHemsScreen(view, current::send)
                }
            }
        }
    }

    val core: SmartHems get() = host!!.core
    val sent: List<Action> get() = host!!.sent
    val view: ScreenView get() = host!!.shown ?: error("nothing shown yet")

    /** Shows this app object's screens from now on (the previous one is closed). */
    fun show(core: SmartHems) {
        val old = host
        host = Host(core)
        ui.waitForIdle()
        old?.close()
    }

    fun close() {
        val old = host
        host = null
        ui.waitForIdle()
        old?.close()
    }

    /** Waits until the UI shows a screen of this kind, and returns it. */
    fun await(what: String, matches: (Screen) -> Boolean): ScreenView {
        ui.waitUntil("the UI to show $what (showing ${host?.shown?.screen})", PATIENCE_MS) {
            host?.shown?.screen?.let(matches) == true
        }
        ui.waitForIdle()
        return view
    }

    inline fun <reified S : Screen> await(): ScreenView = await(S::class.simpleName!!) { it is S }

    /**
     * Renders the screen shown (each [Variant]) to `<NN>-<kind>[-variant].png`, then checks through
     * Compose's semantics that every button the core sent is on screen as the core said: there
     * (scrolled to), enabled or not, checked or not.
     */
    fun snap() {
        val view = view
        val number = "%02d".format(gallery.next())
        val stem = "$number-${kindOf(view.screen)}"
        for (v in Variant.entries) {
            variant = v
            ui.waitForIdle()
            val file = "$stem${v.suffix}.png"
            gallery.write(ui.captureToImage(), File(gallery.dir, file))
            gallery.shots += Gallery.Shot(file, flow, kindOf(view.screen), view.title, v)
        }
        variant = Variant.Normal
        ui.waitForIdle()
        captured += kindOf(view.screen)
        // TalkBack: the title is read as a heading (the lazy device list may have scrolled it away).
        if (view.screen !is Screen.DeviceSelection) ui.onNode(hasText(view.title) and isHeading()).assertExists()
        for (button in view.buttons) checkShown(view, button)
    }

    /** A recorded view (a Busy screen that passed too fast to catch), rendered as the UI would show it. */
    fun snapRecorded(recorded: ScreenView) {
        host!!.frozen = recorded
        ui.waitUntil("the recorded view to be shown", PATIENCE_MS) { host?.shown == recorded }
        snap()
        host!!.frozen = null
        ui.waitForIdle()
    }

    /** Busy screens the core announced and the UI showed too briefly to render: each activity once in the gallery. */
    fun busyAnnounced(): List<ScreenView> =
        host!!.announced.filter { it.screen is Screen.Busy }.distinctBy { kindOf(it.screen) }
            .filter { view -> gallery.shots.none { it.kind == kindOf(view.screen) } }

    /** The button as the user sees it: its label, on something clickable (a check box: toggleable). */
    private fun matcherOf(button: Button): SemanticsMatcher {
        val tag = tagOf(button.action)
        return when {
            tag != null -> hasTestTag(tag) and hasText(button.label) and isToggleable()
            button.checked != null -> hasText(button.label) and isToggleable()
            else -> hasText(button.label) and hasClickAction()
        }
    }

    /** The button's node, scrolled into view (lazy lists compose only what is near the viewport). */
    private fun node(view: ScreenView, button: Button): SemanticsNodeInteraction {
        val matcher = matcherOf(button)
        if (view.screen is Screen.DeviceSelection && ui.onAllNodes(matcher).fetchSemanticsNodes().isEmpty()) {
            val list = ui.onNode(hasScrollToNodeAction())
            val key = tagOf(button.action)
            if (key != null) list.performScrollToKey(key) else list.performScrollToNode(matcher)
        }
        val node = ui.onNode(matcher)
        // Content that fits the screen (or a button in the fixed bottom bar) has nothing to scroll.
        try {
            node.performScrollTo()
        } catch (nothingToScroll: AssertionError) {
            if (nothingToScroll.message?.contains("no parent layout with a Scroll") != true) throw nothingToScroll
        }
        return node
    }

    private fun checkShown(view: ScreenView, button: Button) {
        val node = node(view, button).assertIsDisplayed()
        if (button.enabled) node.assertIsEnabled() else node.assertIsNotEnabled()
        when (button.checked) {
            true -> node.assertIsOn()
            false -> node.assertIsOff()
            null -> Unit
        }
    }

    /**
     * Clicks the rendered button whose action matches (found by the core's own label) and checks
     * the click reached the core: the UI sent that very action.
     */
    fun tap(what: String, matches: (Action) -> Boolean): Button {
        val view = view
        val button = view.buttons.firstOrNull { matches(it.action) }
            ?: error("「${view.title}」 has no $what: ${view.buttons.map { it.label to it.action }}")
        val before = sent.size
        node(view, button).performClick()
        ui.waitForIdle()
        assertTrue(sent.drop(before).contains(button.action), "clicking 「${button.label}」 sent ${sent.drop(before)}, not ${button.action}")
        return button
    }

    inline fun <reified A : Action> tap(): Button = tap(A::class.simpleName!!) { it is A }

    /**
     * Types into the only text field on screen, replacing what it holds (a room field starts from
     * the room the core holds), as selecting all and typing would.
     */
    fun type(text: String) {
        ui.onNode(hasSetTextAction()).performTextReplacement(text)
        ui.waitForIdle()
    }

    fun assertSentInOrder(vararg expected: (Action) -> Boolean) {
        var at = 0
        for (action in sent) if (at < expected.size && expected[at](action)) at++
        assertEquals(expected.size, at, "actions sent, in order: $sent")
    }
}
