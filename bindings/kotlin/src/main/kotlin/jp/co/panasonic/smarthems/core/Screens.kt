// Hand-written Kotlin conveniences over the generated bindings (which live in ../generated and
// are never edited). Business rules stay in the core: these only adapt its callback to coroutines.
package jp.co.panasonic.smarthems.core

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.channels.BufferOverflow

/**
 * Every screen the core shows, starting with the current one, as a cold [Flow]. Collecting
 * subscribes; cancelling the collection closes the subscription. Slow collectors see the newest
 * screen (older ones are dropped), which is what a UI wants.
 */
fun SmartHems.screens(): Flow<ScreenView> = callbackFlow {
    val subscription = subscribe(object : ScreenListener {
        override fun onScreen(view: ScreenView) {
            trySend(view)
        }
    })
    awaitClose { subscription.close() }
}.buffer(capacity = 16, onBufferOverflow = BufferOverflow.DROP_OLDEST)

/** The button with this label on the screen, as the user reads it. */
fun ScreenView.button(label: String): Button? = buttons.firstOrNull { it.label == label }
