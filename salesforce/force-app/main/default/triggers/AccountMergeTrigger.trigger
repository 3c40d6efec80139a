/** Account merges to the connector: one Contact_Merged__e per loser (RecordMergePublisher). */
trigger AccountMergeTrigger on Account (after delete) {
    RecordMergePublisher.publishMerges('Account', Trigger.old);
}
